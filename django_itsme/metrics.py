"""An optional Prometheus exporter for itsme flows: ``pip install django-itsme[prometheus]``.

Nothing is exported until the site calls :func:`install`, once per process, e.g. in its own
``AppConfig.ready()``::

    from django_itsme import metrics

    metrics.install()  # prometheus_client's default registry

It listens to :data:`~django_itsme.signals.flow_finished` and keeps two series, labelled by
``service``, ``kind`` (``login``, ``link``, ``confirm``) and, for the counter, ``outcome``
(``ok`` or the failure code):

``itsme_flows_total``
    a counter of finished flows;
``itsme_flow_duration_seconds``
    a histogram of how long they took, from the start of the flow to its callback (mostly the
    user's time in the itsme app).

Labels never carry a ``sub``, a user, an address or itsme's free text: ``service`` comes from
``ITSME["SERVICES"]``, ``outcome`` from the fixed list of failure codes (anything else counts as
``other``), so the number of series stays bounded. Expose the registry as for any Django site,
e.g. with ``prometheus_client.make_wsgi_app()`` on a route or port only Prometheus can reach.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram

from .signals import flow_finished

__all__ = ["DURATION_BUCKETS", "Exporter", "install", "outcome_label"]

#: Seconds: a flow lasts as long as the user takes in the itsme app (a few seconds to the
#: 10-minute flow lifetime), so the buckets reach from one second to ten minutes.
DURATION_BUCKETS = (1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0)
#: What a failure code looks like (core/errors.py, failures.py): anything else is ``other``.
_CODE = re.compile(r"[a-z][a-z0-9_]{0,47}")
_DISPATCH_UID = "django_itsme.metrics"


def outcome_label(outcome: str) -> str:
    """The ``outcome`` label for a ``flow_finished`` outcome: the code itself, or ``other``
    when it does not look like one of our codes (so no free text becomes a series).

    :param outcome: ``"ok"`` or a failure code.
    :returns: the label value.
    """
    return outcome if _CODE.fullmatch(outcome) else "other"


@dataclass(frozen=True, slots=True)
class Exporter:
    """The installed series and the receiver that moves them.

    :ivar flows: the ``itsme_flows_total`` counter.
    :ivar duration: the ``itsme_flow_duration_seconds`` histogram.
    """

    flows: Counter
    duration: Histogram
    registry: CollectorRegistry

    def record(self, sender: Any, *, service: str, kind: str, outcome: str, **kwargs: Any) -> None:
        """The ``flow_finished`` receiver."""
        self.flows.labels(service=service, kind=kind, outcome=outcome_label(outcome)).inc()
        self.duration.labels(service=service, kind=kind).observe(float(kwargs["duration"]))

    def uninstall(self) -> None:
        """Stop counting and remove the series from the registry."""
        flow_finished.disconnect(dispatch_uid=_DISPATCH_UID)
        for collector in (self.flows, self.duration):
            self.registry.unregister(collector)


def install(registry: CollectorRegistry = REGISTRY) -> Exporter:
    """Create the series in ``registry`` and start counting finished flows.

    :param registry: where the series live; prometheus_client's default registry by default.
    :returns: the exporter (its :meth:`Exporter.uninstall` undoes this).
    :raises ValueError: the series already exist in ``registry`` (installed twice).
    """
    flows = Counter(
        "itsme_flows",
        "itsme flows finished, by service, kind and outcome (ok or the failure code).",
        ("service", "kind", "outcome"),
        registry=registry,
    )
    duration = Histogram(
        "itsme_flow_duration_seconds",
        "Seconds from the start of an itsme flow to its callback, by service and kind.",
        ("service", "kind"),
        buckets=DURATION_BUCKETS,
        registry=registry,
    )
    exporter = Exporter(flows, duration, registry)
    flow_finished.connect(exporter.record, dispatch_uid=_DISPATCH_UID, weak=False)
    return exporter
