"""Route Chinese citizen complaints to the 12345 or the 12315 hotline.

Text becomes tokens in :mod:`.segment` (after :mod:`.normalize`), tokens become features in
:mod:`.features`, and features become a decision in :mod:`.model`.

Examples
--------
>>> from hotline_classify import HotlineClassifier
>>> HotlineClassifier.default().route("网购手机质量有问题商家拒绝退货").hotline
'12315'
"""

__version__ = "0.1.0"

from .model import HotlineClassifier  # noqa: E402
from .routing import Route, choose_review_threshold  # noqa: E402

__all__ = ["HotlineClassifier", "Route", "choose_review_threshold", "__version__"]
