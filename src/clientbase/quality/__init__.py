"""The quality audit of the client base: complete, valid, fresh, unique and consistent records.

See :mod:`clientbase.quality.criteria` for the weights and rules and :mod:`clientbase.quality.audit` for
the scores, issues and work lists.
"""

from clientbase.quality.audit import QualityReport, RecordQuality, audit, save_snapshot, trend
from clientbase.quality.criteria import Criteria

__all__ = ["Criteria", "QualityReport", "RecordQuality", "audit", "save_snapshot", "trend"]
