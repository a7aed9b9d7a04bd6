"""GPU layer: device inventory through NVML, markers, fixtures, samplers, xdist pinning, doctor."""
