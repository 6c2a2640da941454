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
    from app.importing.service import GC_YOUNG_THRESHOLD

    gc.freeze()  # the modules just imported: left out of the collections of the rows' objects
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])  # as the importer does
    send_prepared(fd, args)


if __name__ == "__main__":
    main()
