"""Stand-ins and fixture files shared by several test modules."""
