"""`python collector.py` from inside `collector/`, as older guides start it: runs the package from
the project root, so `.env`, `state.json` and `snapshots/` are the project's, as with `make run`."""

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    project_root = Path(__file__).resolve().parent.parent
    # Python put this folder first on sys.path, where `import collector` would find this file.
    sys.path[0] = str(project_root)
    os.chdir(project_root)
    from collector.__main__ import main

    sys.exit(main())
