"""The named pairs some methods return, as ``torch.return_types``: ``values, indices = x.sort()``
unpacks them, and ``x.topk(3).indices`` reads one by name."""
from collections import namedtuple

sort = namedtuple("sort", ("values", "indices"))
topk = namedtuple("topk", ("values", "indices"))
histogram = namedtuple("histogram", ("hist", "bin_edges"))
