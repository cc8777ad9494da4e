"""Officials: my enterprises, logging a visit with problems and photos, duty pages."""

import datetime
import io
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from enterprises.models import PendingVisitPhoto, Problem, Visit, VisitPhoto
from enterprises.selectors.duties import get_visit_compliance
from enterprises.services.visits import (
    MAX_KEPT_PHOTOS,
    PENDING_PHOTO_MAX_AGE,
    get_pending_photos,
    keep_pending_photos,
    pending_photo_token,
    record_visit,
)
from tests.core.test_images import png_claiming
from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    EnterpriseFactory,
    OfficialFactory,
    UserFactory,
    VisitFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def png(size=(64, 64)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def responsible(client):
    """A responsible person (an official) logged in, with one assignment this year."""
    official = OfficialFactory(name="张三")
    user = user_with_role("official", official=official, username="zhang")
    assignment = AssignmentFactory(
        year=timezone.localdate().year, responsible=official, department=official.department
    )
    assignment.team.add(official)
    client.force_login(user)
    return assignment


def _post(client, assignment, **overrides):
    data = {
        "visited_on": timezone.localdate().isoformat(),
        "participants": [assignment.responsible.pk, assignment.leader.pk],
        "kind": "routine",
        "notes": "了解生产经营情况",
        "problems-TOTAL_FORMS": "0",
        "problems-INITIAL_FORMS": "0",
        **overrides,
    }
    return client.post(reverse("enterprises:visit_new", args=[assignment.enterprise_id]), data)


def test_my_enterprises_lists_assignments_with_this_weeks_duty(client, responsible):
    html = client.get(reverse("enterprises:my_enterprises")).content.decode()
    assert responsible.enterprise.name in html
    assert "每周帮扶" in html and "剩余" in html
    _post(client, responsible)
    html = client.get(reverse("enterprises:my_enterprises")).content.decode()
    assert "已完成" in html


def test_log_a_visit_with_two_problems_and_a_photo(client, responsible):
    # A department user may hand a problem to their own department at once.
    responsible.responsible.user.groups.add(Group.objects.get(name="department_user"))
    department = responsible.department
    response = _post(
        client,
        responsible,
        **{
            "problems-TOTAL_FORMS": "2",
            "problems-0-category": "land",
            "problems-0-description": "用地手续未办结",
            "problems-0-department": department.pk,
            "problems-0-severity": "major",
            "problems-1-category": "labour",
            "problems-1-description": "招工难",
            "problems-1-severity": "ordinary",
            "photos": [png(), png()],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    visit = Visit.objects.get()
    assert set(visit.participants.all()) == {responsible.responsible, responsible.leader}
    assert visit.created_by.username == "zhang"
    assert VisitPhoto.objects.filter(visit=visit).count() == 2
    labour, land = Problem.objects.order_by("category")
    assert (land.category, land.department, land.visit, land.severity) == (
        "land",
        department,
        visit,
        "major",
    )
    assert land.due_on == visit.visited_on + datetime.timedelta(days=30)
    assert labour.department is None
    assert land.raised_by == responsible.responsible


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"visited_on": "2999-01-01"}, "帮扶日期不能晚于今天"),
        ({"participants": []}, "请至少选择一名参加人员"),
        ({"photos": [SimpleUploadedFile("x.png", b"not an image", content_type="image/png")]}, ""),
        (
            {
                "problems-TOTAL_FORMS": "1",
                "problems-0-category": "land",
                "problems-0-description": "",
                "problems-0-severity": "ordinary",
            },
            "",
        ),
    ],
)
def test_bad_visits_are_refused_with_a_message_and_write_nothing(
    client, responsible, overrides, message
):
    response = _post(client, responsible, **overrides)
    assert response.status_code == 200
    if message:
        assert message in response.content.decode()
    assert Visit.objects.count() == Problem.objects.count() == VisitPhoto.objects.count() == 0


def test_an_official_without_assignment_on_the_enterprise_is_refused(client, responsible):
    # An official reaches only the enterprises of their own assignments (row-level scope):
    # another enterprise is not found, neither its form nor a visit posted to it.
    other = EnterpriseFactory(name="别的企业")
    url = reverse("enterprises:visit_new", args=[other.pk])
    assert client.get(url).status_code == 404
    response = client.post(
        url,
        {
            "visited_on": timezone.localdate().isoformat(),
            "participants": [responsible.responsible.pk],
            "kind": "routine",
            "problems-TOTAL_FORMS": "0",
            "problems-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 404
    assert Visit.objects.count() == 0


def test_an_official_whose_assignment_was_last_year_is_refused_with_a_message(client, responsible):
    # The enterprise of last year's assignment stays within the official's scope (its history),
    # but a visit this year needs this year's assignment.
    other = EnterpriseFactory(name="别的企业")
    AssignmentFactory(enterprise=other, year=responsible.year - 1).team.add(responsible.responsible)
    response = client.post(
        reverse("enterprises:visit_new", args=[other.pk]),
        {
            "visited_on": timezone.localdate().isoformat(),
            "participants": [responsible.responsible.pk],
            "kind": "routine",
            "problems-TOTAL_FORMS": "0",
            "problems-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "别的企业" in response.content.decode()
    assert Visit.objects.count() == 0


def test_administrators_may_log_any_visit(client, responsible):
    client.force_login(UserFactory(is_superuser=True))
    other = EnterpriseFactory()
    response = client.post(
        reverse("enterprises:visit_new", args=[other.pk]),
        {
            "visited_on": timezone.localdate().isoformat(),
            "participants": [responsible.responsible.pk],
            "kind": "emergency",
            "problems-TOTAL_FORMS": "0",
            "problems-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert Visit.objects.get().kind == "emergency"


def test_late_evening_in_shanghai_is_still_that_day_whatever_the_server_clock(client, responsible):
    # 2021-11-30 23:30 in Shanghai is 15:30 UTC: the default date must be 30 November.
    moment = datetime.datetime(2021, 11, 30, 15, 30, tzinfo=datetime.UTC)
    responsible.year = 2021
    responsible.save()
    with mock.patch("django.utils.timezone.now", return_value=moment):
        form = client.get(reverse("enterprises:visit_new", args=[responsible.enterprise_id]))
        assert 'value="2021-11-30"' in form.content.decode()
        response = _post(client, responsible, visited_on="2021-11-30")
    assert response.status_code == 302
    compliance = get_visit_compliance(
        periods=[datetime.date(2021, 11, 1)], today=datetime.date(2021, 12, 1)
    )
    lines = {line.duty: line for line in compliance.lines}
    assert lines["leader_quarterly"].met == 1


def test_official_search_returns_json(client, responsible):
    OfficialFactory(name="李四")
    body = client.get(reverse("enterprises:official_search"), {"q": "李"}).json()
    assert [row["name"] for row in body["results"]] == ["李四"]
    assert client.get(reverse("enterprises:official_search")).json() == {"results": []}


def test_enterprise_page_shows_sponsorship_problems_and_visits(client, responsible):
    _post(
        client,
        responsible,
        **{
            "problems-TOTAL_FORMS": "1",
            "problems-0-category": "wages",
            "problems-0-description": "拖欠工资投诉",
            "problems-0-severity": "ordinary",
        },
    )
    html = client.get(
        reverse("enterprises:enterprise_detail", args=[responsible.enterprise_id])
    ).content.decode()
    assert responsible.leader.name in html
    assert "拖欠工资投诉" in html and "了解生产经营情况" in html


def test_my_enterprises_runs_the_same_queries_whatever_the_number_of_assignments(client):
    official = OfficialFactory(rank="department_head")
    user = user_with_role("department_user", official=official)
    client.force_login(user)
    year = timezone.localdate().year

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("enterprises:my_enterprises")).status_code == 200
        return len(queries)

    def grow(n):
        for _ in range(n):
            assignment = AssignmentFactory(year=year, department=official.department)
            VisitFactory(enterprise=assignment.enterprise).participants.add(official)

    grow(2)
    small = count()
    grow(20)
    large = count()
    assert small == large


def test_compliance_pages_and_export(client, responsible):
    client.force_login(UserFactory(is_superuser=True))
    period = timezone.localdate().strftime("%Y-%m")
    html = client.get(reverse("enterprises:compliance"), {"period": period}).content.decode()
    assert responsible.department.name in html
    html = client.get(
        reverse("enterprises:official_compliance", args=[responsible.responsible_id]),
        {"period": period},
    ).content.decode()
    assert "张三" in html
    response = client.get(reverse("enterprises:compliance"), {"period": period, "format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    response = client.get(reverse("enterprises:compliance"), {"period": "2021-13"})
    assert response.status_code == 200
    assert "01 至 12" in response.content.decode()


def test_a_visit_photo_flood_is_refused_on_the_page_and_nothing_is_written(client, responsible):
    response = _post(client, responsible, photos=[png(), png_claiming(12000, 12000)])
    assert response.status_code == 200
    assert "百万像素" in response.content.decode()
    assert not Visit.objects.exists() and not VisitPhoto.objects.exists()


def test_visit_photos_are_stored_as_jpeg(client, responsible):
    assert _post(client, responsible, photos=[png()]).status_code == 302
    (photo,) = VisitPhoto.objects.all()
    assert photo.image.name.endswith(".jpg")
    with photo.image.open("rb") as stored:
        assert stored.read(3) == b"\xff\xd8\xff"


def test_a_problem_cannot_be_sent_to_another_department_from_the_visit_page(client, responsible):
    other = DepartmentFactory(name="自然资源局")
    page = client.get(reverse("enterprises:visit_new", args=[responsible.enterprise_id]))
    offered = page.context["problems"].empty_form.fields["department"].queryset
    assert list(offered) == []  # an official reaches no department's records: left unassigned
    response = _post(
        client,
        responsible,
        **{
            "problems-TOTAL_FORMS": "1",
            "problems-0-category": "land",
            "problems-0-description": "用地手续未办结",
            "problems-0-department": other.pk,
            "problems-0-severity": "major",
        },
    )
    assert response.status_code == 200
    assert not Visit.objects.exists() and not Problem.objects.exists()


def test_the_service_refuses_another_departments_problem_for_pages_and_api_alike(responsible):
    from enterprises.services.problems import raise_problem

    other = DepartmentFactory(name="自然资源局")
    user = responsible.responsible.user
    with pytest.raises(ValidationError) as excinfo:
        raise_problem(
            enterprise=responsible.enterprise,
            category="land",
            description="用地手续未办结",
            department=other,
            raised_on=timezone.localdate(),
            acting_user=user,
            now=timezone.now(),
        )
    assert "自然资源局" in excinfo.value.message_dict["department"][0]
    assert not Problem.objects.exists()


# --- photos survive a form that comes back with an error -----------------------------------------


def _kept_tokens(response) -> list[str]:
    return [token for token, _photo in response.context["kept_photos"]]


def test_a_photo_chosen_on_a_form_that_comes_back_is_kept_and_saved_with_the_visit(
    client, responsible, media, django_capture_on_commit_callbacks
):
    response = _post(client, responsible, participants=[], photos=[png()])
    assert response.status_code == 200
    html = response.content.decode()
    assert "请至少选择一名参加人员" in html
    (token,) = _kept_tokens(response)
    (pending,) = PendingVisitPhoto.objects.all()
    assert f'name="kept_photos" value="{token}"' in html and pending.image.url in html
    assert not Visit.objects.exists() and not VisitPhoto.objects.exists()

    # Corrected, without choosing the photo again.
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(client, responsible, kept_photos=[token]).status_code == 302
    (photo,) = VisitPhoto.objects.filter(visit=Visit.objects.get())
    with photo.image.open("rb") as stored:
        assert Image.open(stored).format == "JPEG"
    assert not PendingVisitPhoto.objects.exists()
    assert not (media / pending.image.name).exists()


def test_kept_photos_add_up_over_tries_and_one_can_be_removed(client, responsible, media):
    first = _post(client, responsible, participants=[], photos=[png(), png()])
    kept = _kept_tokens(first)
    second = _post(client, responsible, participants=[], kept_photos=kept, photos=[png()])
    assert len(_kept_tokens(second)) == 3
    tokens = _kept_tokens(second)
    response = _post(client, responsible, kept_photos=tokens, remove_photos=[tokens[0]])
    assert response.status_code == 302
    assert VisitPhoto.objects.count() == 2
    assert not PendingVisitPhoto.objects.exists()


def test_another_users_kept_photo_is_refused_and_nothing_is_written(client, responsible, media):
    other = UserFactory()
    pending = keep_pending_photos(user=other, photos=[png()], now=timezone.now())[0]
    stolen = pending_photo_token(pending)
    # A token signed for another user, and one re-signed for this user's id but naming the
    # other user's photo, are both refused.
    forged = signing.dumps([pending.pk, responsible.responsible.user.pk], salt="not-the-salt")
    for token in (stolen, forged, "garbage", ""):
        response = _post(client, responsible, kept_photos=[token])
        assert response.status_code == 200
        assert "上一次选择的照片已不可用" in response.content.decode()
    assert not Visit.objects.exists() and not VisitPhoto.objects.exists()
    assert PendingVisitPhoto.objects.get().user == other


def test_a_kept_photo_of_the_same_user_but_another_account_row_is_refused(responsible, media):
    owner = responsible.responsible.user
    mine = keep_pending_photos(user=owner, photos=[png()], now=timezone.now())[0]
    theirs = keep_pending_photos(user=UserFactory(), photos=[png()], now=timezone.now())[0]
    now = timezone.now()
    assert get_pending_photos(user=owner, tokens=[pending_photo_token(mine)], now=now) == [mine]
    with pytest.raises(ValidationError):
        get_pending_photos(user=owner, tokens=[pending_photo_token(theirs)], now=now)
    # A visit cannot take over someone else's kept photo either.
    with pytest.raises(ValidationError):
        record_visit(
            enterprise=responsible.enterprise,
            visited_on=timezone.localdate(),
            participants=[responsible.responsible],
            kept_photos=[theirs],
            acting_user=owner,
            today=timezone.localdate(),
            now=now,
        )
    assert not Visit.objects.exists()


def test_a_kept_photo_lasts_a_day_and_is_then_cleaned_up(
    client, responsible, media, django_capture_on_commit_callbacks
):
    owner = responsible.responsible.user
    day_ago = timezone.now() - PENDING_PHOTO_MAX_AGE - datetime.timedelta(minutes=1)
    (old,) = keep_pending_photos(user=owner, photos=[png()], now=day_ago)
    response = _post(client, responsible, kept_photos=[pending_photo_token(old)])
    assert response.status_code == 200 and not Visit.objects.exists()
    # The next photo kept by anyone sweeps the stale one away, file and all.
    with django_capture_on_commit_callbacks(execute=True):
        keep_pending_photos(user=UserFactory(), photos=[png()], now=timezone.now())
    assert not PendingVisitPhoto.objects.filter(pk=old.pk).exists()
    assert not (media / old.image.name).exists()


def test_kept_photos_follow_the_photo_limits(client, responsible, media, settings):
    settings.HENGKOU_PHOTO_MAX_PIXELS = 1000
    response = _post(client, responsible, participants=[], photos=[png((64, 64))])
    assert response.status_code == 200 and response.context["kept_photos"] == []
    assert not PendingVisitPhoto.objects.exists()
    flood = _post(client, responsible, participants=[], photos=[png_claiming(12000, 12000)])
    assert flood.context["kept_photos"] == [] and not PendingVisitPhoto.objects.exists()


def test_too_many_kept_photo_tokens_are_refused(client, responsible, media):
    response = _post(client, responsible, kept_photos=["x"] * (MAX_KEPT_PHOTOS + 1))
    assert response.status_code == 200
    assert not Visit.objects.exists()


def test_more_photos_than_a_visit_holds_are_refused_on_the_page(client, responsible, settings):
    settings.HENGKOU_PHOTOS_PER_RECORD = 2
    response = _post(client, responsible, photos=[png(), png(), png()])
    assert response.status_code == 200
    assert "最多 2 张照片" in response.content.decode()
    assert not Visit.objects.exists() and not VisitPhoto.objects.exists()
    assert _post(client, responsible, photos=[png(), png()]).status_code == 302
    assert VisitPhoto.objects.get(pk=VisitPhoto.objects.first().pk).uploaded_by.username == "zhang"
