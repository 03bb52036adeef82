#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    from config.configuration_errors import settings_load_or_exit

    # Before Django's command line, which would print a configuration error as the last line of a traceback.
    settings_load_or_exit()
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
