"""The process that reads and cleans a big file while the importing process writes it
(:class:`app.importing.pipeline.PreparedElsewhere` starts it): ``python -m
app.importing.reader_process FD``, its work given pickled on stdin, the chunks sent on FD."""

from __future__ import annotations

import gc
import pickle
import sys


def main() -> None:
    fd = int(sys.argv[1])
    args = pickle.load(sys.stdin.buffer)
    from app.importing.pipeline import send_prepared

    gc.freeze()  # the modules just imported: left out of the collections of the rows' objects
    send_prepared(fd, args)


if __name__ == "__main__":
    main()
