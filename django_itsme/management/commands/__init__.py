"""``manage.py itsme_keys``, ``itsme_check`` (and ``itsme_simulator``)."""
