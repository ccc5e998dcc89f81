"""Take README's pictures of the main pages with Debian's headless chromium (through Playwright).

    .venv/bin/icskg serve &   # then
    .venv/bin/python docs/screenshots.py http://127.0.0.1:8000

Each page is shot at 1200 x 760 CSS pixels, the first screen a visitor sees, into
docs/screenshots/{name}.png, in 256 colours to keep the files small (Pillow, from the bench extra).
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

PAGES = {
    "home": "/",
    "search": "/search?q=Wirral",
    "system": "/id/ics/E54000008",
    "graph": "/graph/pcns",
}
OUT = Path(__file__).resolve().parent / "screenshots"


def main(base: str) -> None:
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1200, "height": 760})
        for name, path in PAGES.items():
            page.goto(base.rstrip("/") + path, wait_until="networkidle")
            target = OUT / f"{name}.png"
            page.screenshot(path=str(target))
            Image.open(target).convert("RGB").quantize(colors=256).save(target, optimize=True)
            print(f"{target}: {target.stat().st_size:,} bytes")
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
