"""Fill empty English translations with their message ids (the code's messages are English).

Run after ``make translations-extract``; the catalogue test then checks that fi and sv are complete.
"""

from pathlib import Path

from babel.messages.pofile import read_po, write_po

PATH = Path(__file__).resolve().parents[1] / "pb" / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def main():
    with PATH.open("rb") as handle:
        catalogue = read_po(handle, locale="en")
    for message in catalogue:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not all(message.string):
                message.string = tuple(message.id)
        elif not message.string:
            message.string = message.id
        message.flags.discard("fuzzy")
    with PATH.open("wb") as handle:
        write_po(handle, catalogue, width=100, omit_header=False)


if __name__ == "__main__":
    main()
