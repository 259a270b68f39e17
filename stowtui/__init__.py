"""stowtui: a two-pane terminal file manager over local disk, S3 and any storage manager plug-in."""

__version__ = "0.1.0"
