"""Getting data in: read tables from files and describe a panel, validated once."""

from evalkit.data.io import SUPPORTED_SUFFIXES, file_sha256, load_table
from evalkit.data.panel import Panel, frame_fingerprint

__all__ = ["Panel", "load_table", "file_sha256", "frame_fingerprint", "SUPPORTED_SUFFIXES"]
