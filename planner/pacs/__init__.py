"""DICOM networking with a PACS: node settings, echo, query, retrieve into a cache, send (Qt-free).

Public API::

    SettingsStore(config_dir).load() / .save(settings)    PacsSettings, PacsNode, Timeouts
    echo(settings, node) -> round trip ms                   C-ECHO
    find_studies(settings, node, QueryFilter) -> [StudyResult]              C-FIND STUDY
    find_series(settings, node, study) -> [SeriesResult]                    C-FIND SERIES
    retrieve_series(settings, node, series, SeriesCache, method="get"|"move") -> folder
    send_files(settings, node, paths) -> SendReport                         C-STORE
    check_complete(folder)   refuses staging/incomplete folders
    CancelToken              cancel from another thread (aborts the association)

Errors are :class:`planner.pacs.errors.PacsError` subtypes (a ``PlannerError``).
"""

from planner.pacs.association import CancelToken
from planner.pacs.cache import CachedSeries, SeriesCache, check_complete, format_size
from planner.pacs.echo import echo
from planner.pacs.errors import (
    AssociationRejected, IncompleteSeriesError, PacsCancelled, PacsConnectError, PacsError,
    PacsSettingsError, PacsStatusError, PacsTimeout, PartialRetrieve, PeerLost, RequestRefused,
)
from planner.pacs.query import QueryFilter, SeriesResult, StudyResult, find_series, find_studies
from planner.pacs.receiver import RetrieveProgress
from planner.pacs.retrieve import retrieve_series
from planner.pacs.send import SendReport, send_files
from planner.pacs.settings import PacsNode, PacsSettings, SettingsStore, Timeouts, default_config_dir

__all__ = [
    "AssociationRejected", "CachedSeries", "CancelToken", "IncompleteSeriesError", "PacsCancelled",
    "PacsConnectError", "PacsError", "PacsNode", "PacsSettings", "PacsSettingsError", "PacsStatusError",
    "PacsTimeout", "PartialRetrieve", "PeerLost", "RequestRefused", "QueryFilter", "RetrieveProgress", "SendReport",
    "SeriesCache", "SeriesResult", "SettingsStore", "StudyResult", "Timeouts", "check_complete",
    "default_config_dir", "echo", "find_series", "find_studies", "format_size", "retrieve_series",
    "send_files",
]
