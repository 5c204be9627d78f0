"""Browser fixtures: `browser` (session), `page` (phone-sized, th-TH, new context per test), `new_page()` for a second person, `steps.shot(name)` to keep step screenshots on failure.

Playwright drives Debian's Chromium at /usr/bin/chromium (scripts/setup installs it; nothing is downloaded).
Without it, or without the playwright package, every test using these fixtures is skipped with the reason.
When a test fails, every page it opened is saved to `test-artifacts/<database>-<test-name>-N.png`, and
the step shots it took to `test-artifacts/<database>-<test-name>-step-NN-<name>.png` (database: sqlite or
postgresql, since scripts/test runs both at the same time).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page, Playwright

CHROMIUM = Path(os.environ.get("ITABOT_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE_VIEWPORT = {"width": 390, "height": 844}
DEFAULT_TIMEOUT_MS = 15_000
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

_CONTEXTS = pytest.StashKey[list["BrowserContext"]]()
_STEPS = pytest.StashKey["StepShots"]()


def _skip_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: the browser tests need Debian's chromium (scripts/setup installs it as root)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="session")
def _playwright() -> Iterator[Playwright]:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)  # assertions wait as long as actions (a loaded CI machine)
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(_playwright: Playwright) -> Iterator[Browser]:
    # Playwright's launch() always starts Chromium on a fresh temporary user-data-dir of its own and
    # removes it afterwards (passing --user-data-dir here is refused: that is launch_persistent_context).
    launched = _playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield launched
    launched.close()


def _new_context(browser: Browser, node: pytest.Item) -> BrowserContext:
    context = browser.new_context(
        viewport=PHONE_VIEWPORT, locale="th-TH", timezone_id="Asia/Bangkok", accept_downloads=True,
        is_mobile=True, has_touch=True, device_scale_factor=2,
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    node.stash.setdefault(_CONTEXTS, []).append(context)
    return context


@pytest.fixture
def new_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Callable[[], Page]]:
    """Opens a page in a new context (its own cookies): another person in the same test."""
    opened: list[BrowserContext] = []

    def open_page() -> Page:
        context = _new_context(browser, request.node)
        opened.append(context)
        return context.new_page()

    yield open_page
    for context in opened:
        context.close()


@pytest.fixture
def page(new_page: Callable[[], Page]) -> Page:
    """A phone-sized page (390×844, th-TH, downloads accepted) in a context of its own."""
    return new_page()


@dataclass
class StepShots:
    """Screenshots taken along a test, written out only when it fails."""

    default_page: Page | None = None
    shots: list[tuple[str, bytes]] = field(default_factory=list, repr=False)

    def shot(self, name: str, page: Page | None = None) -> None:
        target = page if page is not None else self.default_page
        if target is None or target.is_closed():
            return
        self.shots.append((name, target.screenshot(full_page=True)))


@pytest.fixture
def steps(page: Page, request: pytest.FixtureRequest) -> StepShots:
    recorder = StepShots(default_page=page)
    request.node.stash[_STEPS] = recorder
    return recorder


def _safe_name(nodeid: str) -> str:
    name = nodeid.split("::", 1)[-1] if "::" in nodeid else nodeid
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")[:120] or "test"


def _save_artifacts(item: pytest.Item) -> list[Path]:
    saved: list[Path] = []
    database = "postgresql" if os.environ.get("ITABOT_TEST_DATABASE_URL") else "sqlite"
    name = f"{database}-{_safe_name(item.nodeid)}"
    ARTIFACTS.mkdir(exist_ok=True)
    recorder = item.stash.get(_STEPS, None)
    if recorder is not None:
        for number, (step, data) in enumerate(recorder.shots, start=1):
            path = ARTIFACTS / f"{name}-step-{number:02d}-{_safe_name(step)}.png"
            path.write_bytes(data)
            saved.append(path)
    number = 0
    for context in item.stash.get(_CONTEXTS, []):
        for open_page in context.pages:
            number += 1
            path = ARTIFACTS / f"{name}-{number}.png"
            try:
                open_page.screenshot(path=str(path), full_page=True)
            except Exception as exc:  # a crashed page must not hide the test's own failure
                path.with_suffix(".txt").write_text(f"screenshot failed: {exc}\n", encoding="utf-8")
                continue
            saved.append(path)
    return saved


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if report.failed and report.when in ("setup", "call") and (
        item.stash.get(_CONTEXTS, None) or item.stash.get(_STEPS, None)
    ):
        saved = _save_artifacts(item)
        if saved:
            report.sections.append(("browser screenshots", "\n".join(str(p) for p in saved)))
