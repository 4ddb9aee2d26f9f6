#!/usr/bin/env python
import sys

from svidok.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv))
