"""``python -m benchmarks [--quick]``."""

from benchmarks.run import main

if __name__ == "__main__":
    main()
