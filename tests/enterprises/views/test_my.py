""" "My enterprises" for a busy official: a page of cards in their order, a search by name, and
the count of the cards in each state, read in the same queries whatever their number."""

import lxml.html
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from enterprises.selectors import sponsorship
from tests.factories import (
    AssignmentFactory,
    EnterpriseFactory,
    MonthlyReportFactory,
    OfficialFactory,
    ProblemFactory,
    VisitFactory,
)
from tests.hengkou.test_exports import export
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
URL = reverse("enterprises:my_enterprises")


@pytest.fixture
def official(client):
    official = OfficialFactory()
    client.force_login(user_with_role("official", official=official))
    return official


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(sponsorship, "MY_PAGE_SIZE", 3)


def _assign(official, name, *, role="responsible", visited=False):
    """Give ``official`` the enterprise ``name`` as responsible person, leader or team member;
    ``visited`` today (the duty of the window is then met)."""
    today = timezone.localdate()
    people = {"responsible": official} if role == "responsible" else {}
    if role == "leader":
        people["leader"] = official
    assignment = AssignmentFactory(
        year=today.year, enterprise=EnterpriseFactory(name=name), **people
    )
    if role == "team":
        assignment.team.add(official)
    if visited:
        VisitFactory(enterprise=assignment.enterprise, visited_on=today).participants.add(official)
    return assignment


def _page(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return response, lxml.html.fromstring(response.content.decode())


def _cards(doc):
    return [card.xpath(".//h2")[0].text_content().strip() for card in _card_nodes(doc)]


def _card_nodes(doc):
    return doc.xpath("//div[contains(@class, 'my-enterprise')]")


def _counts(doc):
    return {
        link.get("id", "my-state-all"): int(link.xpath(".//span")[0].text_content())
        for link in doc.xpath("//nav[@id='my-states']//a")
    }


def test_the_cards_are_paged_in_their_order(client, official, small_pages):
    # Due (responsible, weekly) before due (leader, quarterly), then done, then no duty.
    for name in ("周甲", "周乙", "周丙"):
        _assign(official, name)
    _assign(official, "季甲", role="leader")
    _assign(official, "已帮扶", visited=True)
    _assign(official, "专班", role="team")
    _response, first = _page(client)
    assert _cards(first) == sorted(["周甲", "周乙", "周丙"])  # equally urgent: by name
    _response, second = _page(client, page=2)
    assert _cards(second) == ["季甲", "已帮扶", "专班"]
    assert [link.get("href") for link in second.xpath("//a[@class='page-link']")] == ["?page=1"]
    assert "显示第 4–6 户，共 6 户。" in second.text_content()


def test_the_counts_by_state_add_up_and_filter_the_cards(client, official, small_pages):
    for index in range(4):
        _assign(official, f"待{index}")
    _assign(official, "已帮扶甲", visited=True)
    _assign(official, "已帮扶乙", visited=True)
    _assign(official, "专班", role="team")
    _response, doc = _page(client)
    counts = _counts(doc)
    assert counts == {"my-state-all": 7, "my-state-due": 4, "my-state-done": 2, "my-state-none": 1}
    _response, doc = _page(client, state="done")
    assert _cards(doc) == sorted(["已帮扶甲", "已帮扶乙"])
    assert _counts(doc) == counts  # the counts stay those of every card
    assert (
        doc.xpath("//nav[@id='my-states']//a[@aria-current='page']")[0].get("id") == "my-state-done"
    )
    _response, doc = _page(client, state="none")
    assert _cards(doc) == ["专班"]
    _response, doc = _page(client, state="due", page=2)
    assert _cards(doc) == ["待3"]
    assert [link.get("href") for link in doc.xpath("//a[@class='page-link']")] == [
        "?state=due&page=1"
    ]


def test_the_search_keeps_the_enterprises_whose_name_holds_it(client, official, small_pages):
    for name in ("恒口机械一厂", "恒口机械二厂", "恒口机械三厂", "恒口机械四厂", "安康食品"):
        _assign(official, name)
    _assign(official, "恒口机械五厂", visited=True)
    response, doc = _page(client, q=" 机械 ")
    assert doc.xpath("//input[@name='q']")[0].get("value") == "机械"
    assert _counts(doc) == {
        "my-state-all": 5,
        "my-state-due": 4,
        "my-state-done": 1,
        "my-state-none": 0,
    }
    assert len(_cards(doc)) == 3 and all("机械" in name for name in _cards(doc))
    # The pages and the states keep the search.
    assert [link.get("href") for link in doc.xpath("//a[@class='page-link']")] == [
        "?q=%E6%9C%BA%E6%A2%B0&page=2"
    ]
    assert (
        doc.xpath("//a[@id='my-state-done']")[0].get("href") == "?q=%E6%9C%BA%E6%A2%B0&state=done"
    )
    _response, doc = _page(client, q="机械", state="done")
    assert _cards(doc) == ["恒口机械五厂"]
    # Nothing found is said as such, not as having no assignment.
    response, doc = _page(client, q="不存在")
    assert _cards(doc) == []
    assert "您包抓的企业中没有名称包含“不存在”的企业。" in response.content.decode()
    assert "您今年没有包抓企业" not in response.content.decode()


def test_the_download_has_every_card_of_the_search_not_only_the_page(client, official, small_pages):
    for name in ("甲机械", "乙机械", "丙机械", "丁机械", "食品"):
        _assign(official, name)
    rows = export(client, URL, {"q": "机械"})
    assert sorted(row[0] for row in rows[1:]) == sorted(["甲机械", "乙机械", "丙机械", "丁机械"])


def test_bad_pages_and_states_answer_a_clear_page(client, official, small_pages):
    for index in range(4):
        _assign(official, f"企业{index}")
    _response, doc = _page(client, page="abc")
    assert _cards(doc) == ["企业0", "企业1", "企业2"]
    _response, doc = _page(client, page="99")
    assert _cards(doc) == ["企业3"]
    _response, doc = _page(client, state="nonsense", q="x" * 500)
    assert _cards(doc) == []  # the search, cut to 100 characters, matches nothing
    _response, doc = _page(client, state="nonsense")
    assert len(_cards(doc)) == 3
    assert (
        doc.xpath("//nav[@id='my-states']//a[@aria-current='page']")[0].get("href") == "?"
    )  # every card


def test_a_few_cards_show_on_one_page_without_the_search_box(client, official):
    for name in ("甲", "乙", "丙"):
        _assign(official, name)
    _response, doc = _page(client)
    assert _cards(doc) == sorted(["甲", "乙", "丙"])
    assert not doc.xpath("//a[@class='page-link']")
    assert not doc.xpath("//form[@id='my-search']")
    assert _counts(doc)["my-state-all"] == 3


def test_my_enterprises_reads_the_same_queries_for_3_and_30_cards(client, official):
    def count(**params):
        with CaptureQueriesContext(connection) as queries:
            _page(client, **params)
        return len(queries)

    def assign(start, number):
        for index in range(start, start + number):
            assignment = _assign(
                official, f"企业{index:02d}", role=("responsible", "leader", "team")[index % 3]
            )
            VisitFactory(enterprise=assignment.enterprise, visited_on=timezone.localdate())
            ProblemFactory(enterprise=assignment.enterprise)
            MonthlyReportFactory(enterprise=assignment.enterprise)

    assign(0, 3)
    small = count()
    assign(3, 27)
    assert count() == small
    assert count(page=2) == small
    assert count(q="企业1", state="none") == small
