"""``python -m bot``: run the Discord bot (same as ``newsdesk serve``)."""

import sys

from newsdesk.cli import main

sys.exit(main(["serve", *sys.argv[1:]]))
