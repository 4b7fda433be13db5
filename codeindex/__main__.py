import sys

from codeindex.launcher import main

sys.exit(main())
