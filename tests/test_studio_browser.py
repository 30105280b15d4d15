"""The studio in a real headless browser (Debian's chromium and chromedriver, driven by Selenium):
a new book live, Stop and Continue, outline saves and a conflict, review, revise with a note,
restore, the EPUB download, and a hostile chapter that runs nothing. It also takes docs/studio.png.
The runs are tests/fake_cli.py, which keeps the events contract (see tests/test_studio_runs.py), but for
the last test: the installed `kimi-writer studio` and its real `write` against the scripted model."""

from __future__ import annotations

import os
import tempfile
import shutil
from pathlib import Path

import pytest

from tests.sample_book import write_sample_book
from tests.studio_server import InProcessStudio, save_review, wait_for
from tests.test_studio_http import HOSTILE, SCORES

CHROMIUM, DRIVER = shutil.which("chromium") or "/usr/bin/chromium", shutil.which("chromedriver") or "/usr/bin/chromedriver"
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (the dev extra)")
if not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)):
    pytest.skip("chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)",
                allow_module_level=True)
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

# The README's pictures: `KIMI_WRITER_SCREENSHOTS=docs pytest tests/test_studio_browser.py` refreshes
# docs/studio.png and docs/studio-run.png; otherwise they go to a temporary folder (a test run leaves
# the checkout as it was).
SCREENSHOT = Path(os.environ.get("KIMI_WRITER_SCREENSHOTS") or tempfile.mkdtemp(prefix="studio-shots-")) / "studio.png"
WAIT = 60


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    downloads = tmp_path_factory.mktemp("downloads")
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1400,900"):
        options.add_argument(argument)
    options.binary_location = CHROMIUM
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=webdriver.ChromeService(DRIVER), options=options)
    driver.downloads = downloads
    yield driver
    driver.quit()


@pytest.fixture
def studio(tmp_path, monkeypatch, browser):
    monkeypatch.setenv("FAKE_DELAY", "0.3")
    root = write_sample_book(tmp_path / "projects")
    with InProcessStudio(tmp_path / "projects") as running:
        running.root = root
        browser.get(running.url)  # the token becomes the cookie
        yield running


def hook(browser, name: str, **data: str):
    selector = f'[data-test="{name}"]' + "".join(f'[data-{key}="{value}"]' for key, value in data.items())
    return browser.find_element(By.CSS_SELECTOR, selector)


def text_of(browser, selector: str) -> str:
    """The element's text; '' while the page is changing under it."""
    try:
        return browser.find_element(By.CSS_SELECTOR, selector).text
    except (NoSuchElementException, StaleElementReferenceException):
        return ""


def finished(browser) -> str:
    """The run page's state once its run has ended."""
    wait_for(lambda: "/runs/" in browser.current_url, WAIT)
    return wait_for(lambda: "exit" in text_of(browser, ".run-state") and text_of(browser, ".run-state"), WAIT)


def test_a_new_book_fills_in_live_then_stop_shows_143_and_continue_finishes(studio, browser, monkeypatch):
    browser.find_element(By.NAME, "prompt").send_keys("A fog story in three chapters")
    browser.find_element(By.NAME, "review").click()
    hook(browser, "start").click()
    wait_for(lambda: "/runs/" in browser.current_url, WAIT)
    log = hook(browser, "run-log")
    wait_for(lambda: "write_file" in log.text, WAIT)  # live: the run is still going
    assert "running" in text_of(browser, ".run-state")
    wait_for(lambda: len(browser.find_elements(By.CSS_SELECTOR, '.written [data-test="chapter"]')) >= 1, WAIT)
    hook(browser, "stop").click()
    assert finished(browser) == "stopped (exit 143)"
    assert "Stopped by SIGTERM" in hook(browser, "summary").text and "$0.0041" in hook(browser, "summary").text
    written = len(list((studio.projects / "Fake_Book").glob("chapter_*.md")))
    assert written < 3
    browser.save_screenshot(str(SCREENSHOT.with_name("studio-run.png")))
    hook(browser, "continue").click()
    wait_for(lambda: "recover" in text_of(browser, ".run-state") or "exit 0" in text_of(browser, ".run-state"), WAIT)
    assert finished(browser) == "ended (exit 0)"
    files = [item.get_attribute("data-file") for item in browser.find_elements(By.CSS_SELECTOR, '.written [data-test="chapter"]')]
    assert files == [f"chapter_{n:02d}.md" for n in range(written + 1, 4)]
    assert (studio.projects / "Fake_Book" / "chapter_03.md").is_file()


def test_the_outline_saves_to_disk_and_a_conflicting_save_says_so(studio, browser):
    browser.get(f"{studio.base}/books/Fog_Over_London")
    outline = hook(browser, "outline")
    outline.send_keys("4. The Trial - Hale testifies.\n")
    hook(browser, "save").click()
    wait_for(lambda: "Saved." in text_of(browser, ".outline-pane .message"), WAIT)
    assert (studio.root / "outline.md").read_text(encoding="utf-8").endswith("4. The Trial - Hale testifies.\n")
    (studio.root / "outline.md").write_text("# Changed elsewhere\n", encoding="utf-8")
    outline.send_keys("5. More.\n")
    hook(browser, "save").click()
    message = wait_for(lambda: "HTTP 409" in text_of(browser, ".outline-pane .message")
                       and text_of(browser, ".outline-pane .message"), WAIT)
    assert "changed on disk since this page loaded it" in message
    assert (studio.root / "outline.md").read_text(encoding="utf-8") == "# Changed elsewhere\n"


def test_review_shows_the_scores_then_revise_with_a_note_shows_the_diff_and_restore_puts_it_back(studio, browser):
    root = studio.root
    for name in ("chapter_1.md", "chapters/chapter_02.md", "ch3.md"):
        (root / name).rename(root / f"chapter_0{name[-4] if name != 'chapter_1.md' else 1}.md")
    browser.get(f"{studio.base}/books/Fog_Over_London")
    browser.find_element(By.CSS_SELECTOR, 'button[data-command="review"]').click()
    assert finished(browser) == "ended (exit 0)"
    browser.get(f"{studio.base}/books/Fog_Over_London")
    scores = [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, '[data-test="chapter"] [data-test="score"]')]
    assert scores == ["7.2", "7.2", "7.2"]
    browser.get(f"{studio.base}/books/Fog_Over_London/chapters/chapter_02.md")
    original = (root / "chapter_02.md").read_text(encoding="utf-8")
    hook(browser, "note").send_keys("Make the ending colder.")
    hook(browser, "revise").click()
    assert finished(browser) == "ended (exit 0)"
    browser.get(f"{studio.base}/books/Fog_Over_London/chapters/chapter_02.md")
    assert hook(browser, "score").text == "7.7"
    version = hook(browser, "version")
    version.click()
    assert "+Revised as asked: Make the ending colder." in version.find_element(By.CSS_SELECTOR, '[data-test="diff"]').text
    version.find_element(By.CSS_SELECTOR, '[data-test="restore"]').click()
    wait_for(lambda: (root / "chapter_02.md").read_text(encoding="utf-8") == original, WAIT)
    wait_for(lambda: len(browser.find_elements(By.CSS_SELECTOR, '[data-test="version"]')) == 2, WAIT)


def test_the_epub_downloads(studio, browser):
    browser.get(f"{studio.base}/books/Fog_Over_London")
    hook(browser, "export-epub").click()
    epub = wait_for(lambda: [p for p in browser.downloads.glob("*.epub")], WAIT)[0]
    assert epub.name == "Fog_Over_London.epub" and epub.read_bytes()[:2] == b"PK"


def test_a_hostile_chapter_runs_no_script(studio, browser):
    (studio.root / "chapter_04.md").write_text(HOSTILE, encoding="utf-8")
    browser.get(f"{studio.base}/books/Fog_Over_London/chapters/chapter_04.md")
    assert "<script>window.pwned = 1</script>" in text_of(browser, ".manuscript")
    for link in browser.find_elements(By.CSS_SELECTOR, ".manuscript a"):
        link.click()
    assert browser.execute_script("return typeof window.pwned") == "undefined"
    assert browser.execute_script("return typeof window.studioLoaded") == "boolean"  # the studio's own script ran


def test_the_screenshot_for_the_readme(studio, browser):
    save_review(studio.root, "chapter_1.md", SCORES, "The fog came up the river at dusk.")
    browser.get(f"{studio.base}/books/Fog_Over_London")
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, '[data-test="chapter"]'), WAIT)
    browser.save_screenshot(str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000


def test_the_installed_studio_writes_a_book_with_the_real_cli_live_in_the_browser(tmp_path, browser, server):
    """`kimi-writer studio` as a user starts it (the installed CLI, its runs the real `write`), against the
    scripted model: a new book is started from the page, followed live, and read there when it ends."""
    import re
    import signal
    import subprocess

    from tests.conftest import CLI, TEST_KEY, clean_env
    from tests.scripted_server import Turn, tool_call

    chapter = "# Chapter 1: The Lamp\n\nThe keeper lit the lamp at dusk and waited for the ship.\n"
    server.add(Turn(reasoning="plan", tool_calls=[tool_call("create_project", project_name="Lamp")]),
               Turn(reasoning="outline", tool_calls=[tool_call("write_file", filename="outline.md",
                                                               content="# Lamp\n\n1. The Lamp: the keeper waits.\n")]),
               Turn(reasoning="write", tool_calls=[tool_call("write_file", filename="chapter_01.md", content=chapter)]),
               Turn(content="The book is done."))
    env = clean_env(tmp_path, KIMI_WRITER_API_KEY=TEST_KEY, KIMI_WRITER_BASE_URL=server.base_url)
    studio = subprocess.Popen([str(CLI), "studio", "--no-browser", "--port", "0"], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = re.search(r"Studio: (http://127\.0\.0\.1:\d+/\?token=\S+)", studio.stdout.readline()).group(1)
        browser.get(url)
        browser.find_element(By.NAME, "prompt").send_keys("A lighthouse story in one chapter")
        hook(browser, "start").click()
        assert finished(browser) == "ended (exit 0)"
        wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, '.written [data-test="chapter"]'), WAIT)
        assert "write_file" in hook(browser, "run-log").text
        browser.save_screenshot(str(SCREENSHOT.with_name("studio-real-run.png")))
        assert (tmp_path / "projects" / "Lamp" / "chapter_01.md").read_text(encoding="utf-8") == chapter
        browser.get(url.split("?")[0] + "books/Lamp/chapters/chapter_01.md")
        assert "The keeper lit the lamp at dusk" in text_of(browser, ".manuscript")
    finally:
        studio.send_signal(signal.SIGINT)
        out, _ = studio.communicate(timeout=30)
    assert studio.returncode == 0 and "Studio stopped." in out
