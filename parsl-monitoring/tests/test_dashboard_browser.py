"""The dashboard in a real headless Chromium (Debian's ``chromium``), driven by Playwright."""

from __future__ import annotations

import os
import threading

import pytest

from parsl_monitoring.dashboard.server import make_server

CHROMIUM = os.environ.get("PARSL_TEST_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture
def dashboard(known_run):
    server = make_server(known_run["url"], port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}", known_run
    server.shutdown()
    server.server_close()
    server.store.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium), "
                    f"or set PARSL_TEST_CHROMIUM")

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


def open_page(browser, url):
    """Load ``url``, returning the page and every console error and failed or off-site request."""
    page = browser.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
    page.on("request", lambda r: None if r.url.startswith(url.split("/", 3)[0] + "//" + url.split("/", 3)[2])
            or r.url.startswith("data:") else problems.append(f"off-site request: {r.url}"))
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    return page, response, problems


def test_workflows_list(dashboard, browser):
    base, _ = dashboard
    assert base.startswith("http://127.0.0.1:")
    page, response, problems = open_page(browser, base + "/")
    assert response.status == 200 and problems == []
    assert page.locator("table.workflows tbody tr").count() == 1
    assert page.locator("table.workflows").inner_text().count("diamond") == 1


def test_workflow_page_draws_graph_timeline_and_failures(dashboard, browser):
    base, run = dashboard
    page, response, problems = open_page(browser, f"{base}/workflow/{run['run_id']}/")
    assert response.status == 200 and problems == []
    nodes = page.locator("svg#dag circle.node")
    assert nodes.count() == 5
    states = {nodes.nth(i).get_attribute("data-task"): nodes.nth(i).get_attribute("data-state") for i in range(5)}
    assert states == {"0": "exec_done", "1": "exec_done", "2": "exec_done", "3": "failed", "4": "dep_fail"}
    assert page.locator("svg#dag line.edge").count() == 5  # 0-1, 0-2, 1-3, 2-3, 3-4
    assert page.locator("svg#gantt rect.bar").count() == 5
    assert page.locator("svg#apps-over-time polyline.app-line").count() == 4  # 'report' never ran
    assert page.locator("table.blocks tbody tr").all_inner_texts()[0].split("\t")[:4] == [
        "htex", "0", "4242", "SCALED_IN"]
    failure = page.locator("details.failure").first
    failure.locator("summary").click()
    assert "ZeroDivisionError" in failure.inner_text() and "division by zero in join" in failure.inner_text()
    assert "Traceback" in failure.locator("pre").inner_text()


def test_task_page_plots_resources(dashboard, browser):
    base, run = dashboard
    page, response, problems = open_page(browser, f"{base}/workflow/{run['run_id']}/task/0")
    assert response.status == 200 and problems == []
    assert page.locator("svg#res-cpu polyline.series").count() == 1
    assert page.locator("svg#res-rss circle.sample").count() >= 1
    assert page.locator("svg#dag").count() == 0


def test_unknown_run_is_a_clear_404(dashboard, browser):
    base, _ = dashboard
    page, response, problems = open_page(browser, f"{base}/workflow/no-such-run/")
    assert response.status == 404
    assert "no workflow with run id 'no-such-run'" in page.locator("p.error").inner_text()
    assert [p for p in problems if "404" not in p and "Failed to load resource" not in p] == []


def test_a_database_written_by_parsl_itself(browser, tmp_path):
    import shutil

    from test_parsl_database import PARSL_DB

    shutil.copy(PARSL_DB, tmp_path / "monitoring.db")
    server = make_server(f"sqlite:///{tmp_path}/monitoring.db", port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    try:
        page, response, problems = open_page(browser, f"http://{host}:{port}/")
        assert response.status == 200 and problems == []
        page.locator("table.workflows a").first.click()
        page.wait_for_load_state("networkidle")
        assert problems == []
        assert page.locator("svg#dag circle.node").count() == 6
        assert page.locator("svg#dag circle.node[data-state=failed]").count() == 1
        assert "boom 3" in page.locator("details.failure").inner_text()
    finally:
        server.shutdown()
        server.server_close()
        server.store.close()


def test_a_killed_run_is_shown_crashed(browser, killed_run):
    server = make_server(killed_run["url"], port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    try:
        page, response, problems = open_page(browser, f"http://{host}:{port}/")
        assert response.status == 200 and problems == []
        assert page.locator("table.workflows .status.crashed").inner_text() == "crashed"
        page.locator("table.workflows a").first.click()
        page.wait_for_load_state("networkidle")
        assert problems == []
        assert "crashed" in page.locator("body").inner_text()
    finally:
        server.shutdown()
        server.server_close()
        server.store.close()
