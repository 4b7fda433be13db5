import sys

from codeindex.cli import main

sys.exit(main())
