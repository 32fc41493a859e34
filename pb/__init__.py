"""pb: participatory budgeting and partnership funding for municipalities.

This module must stay free of Flask imports so that ``pb.rules`` can be used
on its own (from the CLI, from RQ jobs and in pure tests).
"""

__version__ = "0.1.0"
