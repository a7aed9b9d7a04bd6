"""Kombu/Celery URLs: the scheme of a broker or result-backend URL selects distributions.

``Celery(broker="sqs://")`` or ``broker_url = "redis://..."`` makes kombu import its SQS
(boto3, pycurl) or Redis (redis) transport, which imports the library; the project never
does. Sources: kombu's transport aliases (``kombu.transport.TRANSPORT_ALIASES``) and the
extras of its setup.py/requirements/extras/*.txt; Celery's result backends
(``celery.app.backends.BACKEND_ALIASES``) and its extras. A URL is evidence only in a file
that names celery or kombu (a ``redis://`` URL alone may be any Redis client's): the
``context`` of each row. Merged into :func:`.implicit.builtin_triggers`.
"""

from __future__ import annotations

__all__ = ["BROKER_CONTEXT", "BROKER_TRIGGERS", "KOMBU_SCHEMES"]

#: URL scheme -> the distributions kombu's transport (or Celery's backend) imports for it
KOMBU_SCHEMES: dict[str, tuple[str, ...]] = {
    # kombu transports
    "amqp": ("amqp",),
    "amqps": ("amqp",),
    "pyamqp": ("amqp",),
    "librabbitmq": ("librabbitmq",),
    "redis": ("redis",),
    "rediss": ("redis",),
    "sentinel": ("redis",),
    "sqs": ("boto3", "pycurl"),
    "slmq": ("softlayer-messaging",),
    "mongodb": ("pymongo",),
    "zookeeper": ("kazoo",),
    "consul": ("python-consul2", "python-consul"),
    "etcd": ("python-etcd",),
    "confluentkafka": ("confluent-kafka",),
    "qpid": ("qpid-python", "qpid-tools"),
    "pyro": ("pyro4", "pyro5"),
    "azurestoragequeues": ("azure-storage-queue", "azure-identity"),
    "azureservicebus": ("azure-servicebus", "azure-identity"),
    "gcpubsub": ("google-cloud-pubsub", "google-cloud-monitoring"),
    # Celery result backends whose scheme names one library
    "cassandra": ("cassandra-driver",),
    "elasticsearch": ("elasticsearch",),
    "couchbase": ("couchbase",),
    "arangodb": ("pyarango",),
    "couchdb": ("pycouchdb",),
    "cosmosdbsql": ("pydocumentdb",),
    "azureblockblob": ("azure-storage-blob",),
    "dynamodb": ("boto3",),
}

#: what a file holding the URL must also name: the library that reads it
BROKER_CONTEXT = r"(?i:celery|kombu)"


def _rows() -> list[tuple[tuple[str, ...], str, str]]:
    rows: list[tuple[tuple[str, ...], str, str]] = []
    for scheme, dists in KOMBU_SCHEMES.items():
        # a scheme, not the tail of another word (``myredis://``) or a path; celery's
        # ``db+``/``cache+`` prefixes are the only ones before it
        rows.append((dists, rf"(?<![\w.+/-]){scheme}://", f"a Celery/kombu {scheme}:// URL"))
    return rows


#: one row per scheme; each needs :data:`BROKER_CONTEXT` in the same file
BROKER_TRIGGERS: list[tuple[tuple[str, ...], str, str]] = _rows()
