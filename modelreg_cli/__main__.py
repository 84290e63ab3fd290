"""`python -m modelreg_cli`: the same as the `modelreg` command."""

from modelreg_cli.cli.app import main

if __name__ == "__main__":
    main()
