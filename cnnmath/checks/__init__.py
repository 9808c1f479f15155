"""Every lesson module's exercise checks, so that notebooks import them by name from here.

Each lesson keeps its own module (``lesson02.py`` for ``02_convolution.ipynb`` and so on); the answer readers
and feedback shared by all of them live in ``common.py``. Each module's ``__all__`` says what it exports;
``tests/test_exports.py`` checks that no name is exported by two modules.
"""

from . import common, lesson00, lesson01, lesson02, lesson03, lesson04, lesson05, lesson06, lesson07, lesson08
from .common import *  # noqa: F401,F403
from .lesson00 import *  # noqa: F401,F403
from .lesson01 import *  # noqa: F401,F403
from .lesson02 import *  # noqa: F401,F403
from .lesson03 import *  # noqa: F401,F403
from .lesson04 import *  # noqa: F401,F403
from .lesson05 import *  # noqa: F401,F403
from .lesson06 import *  # noqa: F401,F403
from .lesson07 import *  # noqa: F401,F403
from .lesson08 import *  # noqa: F401,F403

__all__ = [
    *common.__all__,
    *lesson00.__all__,
    *lesson01.__all__,
    *lesson02.__all__,
    *lesson03.__all__,
    *lesson04.__all__,
    *lesson05.__all__,
    *lesson06.__all__,
    *lesson07.__all__,
    *lesson08.__all__,
]
