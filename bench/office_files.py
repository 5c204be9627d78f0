"""Hostile plan files: how fast each is refused and how much memory reading it takes (issue #14, item 5).

    .venv/bin/python bench/office_files.py                 # --bomb-rows 100000

Each file is read in a fresh process (`domain.plan_table.read_source`, as the console and the CLI do) after a
warm-up read of a valid file; the figures are the process's peak (VmHWM) and resident memory (VmRSS) after the
refusal, above the warm baseline, and the time to the refusal. For comparison the same row bomb (shrunk to
`--bomb-rows`, so that the old way finishes) is read the way workbooks were read before: openpyxl's full
(not read-only) mode; and a real measure table (the sirirat fixture as .xlsx) the old way and the new, to
show what the change costs a legitimate file (and as .docx, now). Last, the worst .docx the caps let through to
python-docx (which parses the whole document before the row budget can refuse): its document.xml just under
the member cap, of small table cells with random text (so that it packs within the ratio cap), alone and with
a header part as big (python-docx parses headers at load too).
"""

from __future__ import annotations

import argparse
import json
import random
import string
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from domain.office_files import DEFAULT_LIMITS  # noqa: E402
from tests.support import hostile_files as hostile  # noqa: E402
from tests.support.plan_variants import write_docx, write_xlsx  # noqa: E402

PROBE = """
import json, sys, time
from pathlib import Path

def status_mb(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":")) / 1024

mode, warm, target = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
if mode == "new":
    from domain.plan_table import PlanFileError, read_source
    def read(path):
        try:
            return f"{len(read_source(path).rows)} rows"
        except PlanFileError as exc:
            return "refused: " + str(exc).split(":", 1)[-1].split(".", 1)[0].strip()
else:  # .xlsx the way before issue #14: openpyxl's full mode
    from openpyxl import load_workbook
    def read(path):
        book = load_workbook(path, data_only=True)
        rows = sum(1 for sheet in book.worksheets for _ in sheet.iter_rows(values_only=True))
        book.close()
        return f"{rows} rows"
read(warm)
baseline = status_mb("VmRSS")
started = time.perf_counter()
outcome = read(target)
seconds = time.perf_counter() - started
print(json.dumps({"outcome": outcome, "seconds": seconds, "peak": status_mb("VmHWM") - baseline,
                  "after": status_mb("VmRSS") - baseline}))
"""


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _table_xml(size: int, seed: int) -> bytes:
    """A table of 5 columns, rows of short random texts, up to `size` bytes of XML in all."""
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits
    head = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W}" xmlns:r="{R}">'
            '<w:body><w:tbl><w:tblGrid>' + '<w:gridCol w:w="1800"/>' * 5 + '</w:tblGrid>').encode()
    tail = b'</w:tbl><w:sectPr/></w:body></w:document>'
    parts, total = [head], len(head) + len(tail)
    while True:
        row = ("<w:tr>" + "".join(f"<w:tc><w:p><w:r><w:t>{''.join(rng.choices(alphabet, k=8))}</w:t></w:r></w:p>"
                                   "</w:tc>" for _ in range(5)) + "</w:tr>").encode()
        if total + len(row) > size:
            break
        parts.append(row)
        total += len(row)
    return b"".join([*parts, tail])


def _header_xml(size: int, seed: int) -> bytes:
    table = _table_xml(size - 200, seed)
    body = table[table.index(b"<w:tbl>"):table.index(b"<w:sectPr/>")]
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:hdr xmlns:w="{W}" xmlns:r="{R}">'
            ).encode() + body + b"<w:p/></w:hdr>"


def docx_at_the_caps(directory: Path, headers: int) -> Path:
    """A .docx that passes every cap of domain.office_files: document.xml (and `headers` header parts) just
    under the member cap, together under the total cap."""
    base = write_docx(hostile.SMALL_TABLE, directory / "base.docx")
    path = directory / f"caps-{headers}.docx"
    size = DEFAULT_LIMITS.max_member_bytes - 64 * 1024
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "word/document.xml":
                data = _table_xml(size, 0)
                if headers:
                    refs = "".join(f'<w:headerReference w:type="{kind}" r:id="rIdHdr{n}"/>'
                                   for n, kind in zip(range(headers), ("default", "first", "even"), strict=False))
                    data = data.replace(b"<w:sectPr/>", f"<w:sectPr>{refs}</w:sectPr>".encode())
            elif info.filename == "word/_rels/document.xml.rels" and headers:
                rels = "".join(f'<Relationship Id="rIdHdr{n}" Type="{R}/header" Target="header{n}.xml"/>'
                               for n in range(headers))
                data = data.replace(b"</Relationships>", rels.encode() + b"</Relationships>")
            elif info.filename == "[Content_Types].xml" and headers:
                types = "".join(f'<Override PartName="/word/header{n}.xml" ContentType="application/'
                                'vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>'
                                for n in range(headers))
                data = data.replace(b"</Types>", types.encode() + b"</Types>")
            out.writestr(info.filename, data)
        for n in range(headers):
            out.writestr(f"word/header{n}.xml", _header_xml(size, n + 1))
    return path


def probe(mode: str, warm: Path, target: Path) -> dict[str, object]:
    result = subprocess.run([sys.executable, "-c", PROBE, mode, str(warm), str(target)], cwd=ROOT, check=True,
                            capture_output=True, text=True, env={"PYTHONPATH": str(ROOT)})
    figures: dict[str, object] = json.loads(result.stdout)
    return figures


def line(label: str, size: int, figures: dict[str, object]) -> str:
    return (f"{label:<28} {size / 1024:>9.0f} KB {figures['seconds']:>8.2f} s {figures['peak']:>8.1f} MB "
            f"{figures['after']:>8.1f} MB  {str(figures['outcome'])[:70]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bomb-rows", type=int, default=100_000, help="rows of the bomb read the old way")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="itabot-bench-office-") as name:
        directory = Path(name)
        warm = write_xlsx(hostile.SMALL_TABLE, directory / "warm.xlsx")
        print(f"{'file':<28} {'size':>12} {'time':>10} {'peak':>11} {'after':>11}  outcome")
        print("-- the new reader (caps), each file in a fresh process; memory above the warm baseline")
        for label, build in hostile.HOSTILE.items():
            place = directory / label
            place.mkdir()
            path = build(place)
            print(line(label, path.stat().st_size, probe("new", warm, path)), flush=True)
        print(f"-- a row bomb of {args.bomb_rows:,} rows × 5 inline strings: before (openpyxl full mode) and now")
        place = directory / "small-bomb"
        place.mkdir()
        bomb = hostile.xlsx_rows_bomb(place, rows=args.bomb_rows)
        old, new = probe("old", warm, bomb), probe("new", warm, bomb)
        print(line("row bomb, before", bomb.stat().st_size, old))
        print(line("row bomb, now", bomb.stat().st_size, new))
        print("-- a real measure table (sirirat-2567), before and now")
        rows = [r.split("\t") for r in (ROOT / "tests/fixtures/plans/sirirat-2567.tsv").read_text().splitlines()]
        sheet, document = write_xlsx(rows, directory / "sirirat.xlsx"), write_docx(rows, directory / "sirirat.docx")
        for mode in ("old", "new"):  # .xlsx: full mode before, read-only + a streaming merged-cells pass now
            print(line(f"{sheet.name}, {'before' if mode == 'old' else 'now'}", sheet.stat().st_size,
                       probe(mode, warm, sheet)))
        print(line(f"{document.name}, now", document.stat().st_size, probe("new", warm, document)))
        print("-- the worst .docx the caps let through to python-docx (it parses the whole package first)")
        for headers in (0, 1):
            place = directory / f"caps-{headers}"
            place.mkdir()
            path = docx_at_the_caps(place, headers)
            print(line(f"16 MB document.xml + {headers} hdr", path.stat().st_size, probe("new", warm, path)), flush=True)


if __name__ == "__main__":
    main()
