"""``python -m databricks_utils.cli``."""

import sys

from databricks_utils.cli import main

if __name__ == "__main__":
    sys.exit(main())
