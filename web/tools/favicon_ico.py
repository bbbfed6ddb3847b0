"""Rasterise web/static/favicon.svg in Chromium at 16, 32 and 48 px and write web/static/favicon.ico
(an ICO of PNG entries, which every browser since IE Vista reads). Run from the project root after
changing the SVG: `.venv/bin/python web/tools/favicon_ico.py`."""
import struct
from pathlib import Path
from playwright.sync_api import sync_playwright
svg = Path("web/static/favicon.svg").read_text()
pngs = []
with sync_playwright() as p:
    b = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--headless"])
    for size in (16, 32, 48):
        page = b.new_page(viewport={"width": size, "height": size})
        page.set_content(f'<html><body style="margin:0;background:transparent">{svg.replace("<svg ", f"<svg width={size} height={size} ", 1)}</body></html>')
        pngs.append((size, page.screenshot(omit_background=True)))
    b.close()
header = struct.pack("<HHH", 0, 1, len(pngs))
offset = 6 + 16 * len(pngs)
entries, data = b"", b""
for size, png in pngs:
    entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(png), offset + len(data))
    data += png
Path("web/static/favicon.ico").write_bytes(header + entries + data)
print(len(header + entries + data))
