"""openness: an agent-based simulation of the open- vs closed-weight AI model market."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("openness")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
