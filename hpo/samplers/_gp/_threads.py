"""Single-threaded BLAS while the sampler works.

The GP issues many small BLAS calls (Cholesky factors of a few hundred rows, quasi-Newton updates).
Multi-threaded OpenBLAS spends more time waking and synchronising threads than computing at these
sizes, and on a busy machine it can be an order of magnitude slower. When ``threadpoolctl`` is
installed (it comes with scikit-learn) the BLAS pools are limited to one thread inside
:func:`single_threaded_blas`; otherwise nothing changes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_lock = threading.Lock()
_depth = 0
_controller: Any = None
_restore: Any = None
_unavailable = False


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    global _depth, _controller, _restore, _unavailable
    with _lock:
        if not _unavailable and _depth == 0:
            try:
                if _controller is None:
                    # Load scipy's own BLAS first so the controller sees it.
                    import scipy.linalg
                    import scipy.optimize  # noqa: F401
                    from threadpoolctl import ThreadpoolController

                    _controller = ThreadpoolController()
                _restore = _controller.limit(limits=1, user_api="blas")
            except Exception:  # threadpoolctl missing or unable to inspect this process
                _unavailable = True
                _restore = None
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _restore is not None:
                _restore.restore_original_limits()
                _restore = None
