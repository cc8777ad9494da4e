"""The worked examples of docs/api.md's last section, replayed: photos, corrections, steps."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from enterprises.models import Problem, Visit, VisitPhoto
from projects.models import ProjectPhoto

pytestmark = pytest.mark.django_db
VALID_CODE = "91350100M000100Y43"
NOT_A_PHOTO = "该文件不是照片：请上传 JPEG、PNG 或 WebP 格式的图片。"
CONFIRMED_ALREADY = "只有已办结（部门已填写办理结果）的诉求才能确认；该诉求当前为“已解决”。"
DUE_ON = (
    "`due_on` 由 13710 规则根据 `raised_on` 和严重程度计算（7 天，重大诉求 30 天）："
    "提交的内容中不要包含该字段。"
)


def jpeg(name):
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), "green").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


class Api:
    """The guide's `post`, `patch` and `curl -F` lines, as the test client sends them."""

    def __init__(self, client):
        self.client = client

    def send(self, method, path, data=None, status=200, format="json"):
        response = getattr(self.client, method)(f"/api/v1/{path}/", data, format=format)
        assert response.status_code == status, (path, response.content)
        return response.json() if response.content else None

    def post(self, path, data, status=201):
        return self.send("post", path, data, status)

    def patch(self, path, data, status=200):
        return self.send("patch", path, data, status)

    def upload(self, path, file, status=201):
        return self.send("post", path, {"image": file}, status, format="multipart")

    def delete(self, path):
        return self.send("delete", path, status=204)


def first_example(api):
    """The setting of the guide's first worked example: a department, officials, an enterprise."""
    dept = api.post("departments", {"code": "D01", "name": "工业园区管委会", "kind": "sponsor"})
    leader = api.post(
        "officials", {"name": "王县长", "department": dept["id"], "rank": "county_leader"}
    )
    staff = api.post("officials", {"name": "李干事", "department": dept["id"], "rank": "staff"})
    enterprise = api.post(
        "enterprises",
        {"credit_code": VALID_CODE, "name": "安康毛绒玩具有限公司", "employees": 120},
    )
    api.post(
        "assignments",
        {
            "year": 2021,
            "enterprise": enterprise["id"],
            "leader": leader["id"],
            "department": dept["id"],
            "responsible": staff["id"],
            "team": [staff["id"]],
        },
    )
    return dept["id"], leader["id"], staff["id"], enterprise["id"]


def test_visit_photos_and_corrections(admin_api, media):
    api = Api(admin_api)
    _dept, _leader, staff, ent = first_example(api)
    visit = api.post(
        "visits",
        {
            "enterprise": ent,
            "visited_on": "2021-11-10",
            "participants": [staff],
            "kind": "routine",
            "notes": "了解订单情况",
        },
    )
    assert visit["photos"] == []
    assert VisitPhoto._meta.get_field("image").upload_to == "visits/%Y/%m/"
    body = api.upload(f"visits/{visit['id']}/photos", jpeg("workshop.jpg"))
    [photo] = body["photos"]
    assert photo["id"] == VisitPhoto.objects.get().pk
    assert photo["url"].startswith("http://testserver/media/visits/")
    assert photo["url"].endswith(".jpg") and photo["thumbnail_url"] is None
    notes = SimpleUploadedFile("notes.txt", b"meeting notes", content_type="text/plain")
    refused = api.upload(f"visits/{visit['id']}/photos", notes, status=400)
    assert refused == {"image": [NOT_A_PHOTO]}
    correction = {"visited_on": "2021-11-09", "notes": "了解订单和用工情况"}
    body = api.patch(f"visits/{visit['id']}", correction)
    assert (body["visited_on"], body["notes"]) == ("2021-11-09", "了解订单和用工情况")
    assert api.patch(f"visits/{visit['id']}", {"visited_on": "2999-01-01"}, status=400) == {
        "visited_on": ["帮扶日期不能晚于今天。"]
    }
    api.delete(f"visits/{visit['id']}/photos/{photo['id']}")
    assert not VisitPhoto.objects.exists()
    api.delete(f"visits/{visit['id']}")
    assert not Visit.objects.exists()


def test_project_report_photos(admin_api, media):
    api = Api(admin_api)
    dept, leader, _staff, ent = first_example(api)
    project = api.post(
        "projects",
        {
            "name": "毛绒玩具扩产项目",
            "enterprise": ent,
            "kind": "expansion",
            "stage": "started",
            "stage_moved_on": "2021-03-01",
            "total_investment": "5000",
        },
    )
    plan = {"project": project["id"], "year": 2021, "planned_investment": "3000"}
    api.post("project-plans", {**plan, "leader": leader, "department": dept})
    report = api.post(
        "project-reports",
        {
            "project": project["id"],
            "period": "2021-11",
            "investment": "800",
            "percent_complete": 65,
        },
    )
    assert report["photos"] == []
    body = api.upload(f"project-reports/{report['id']}/photos", jpeg("site.jpg"))
    [photo] = body["photos"]
    stored = ProjectPhoto.objects.get()
    assert photo["id"] == stored.pk
    assert photo["url"] == f"http://testserver{stored.image.url}"
    assert photo["url"].startswith("http://testserver/media/projects/")
    assert photo["thumbnail_url"].startswith("http://testserver/media/projects/")
    assert "/thumbnails/" in photo["thumbnail_url"]
    api.delete(f"project-reports/{report['id']}/photos/{photo['id']}")
    assert not ProjectPhoto.objects.exists()


def test_problem_steps(admin_api):
    api = Api(admin_api)
    dept, _leader, _staff, ent = first_example(api)
    problem = api.post(
        "problems",
        {
            "enterprise": ent,
            "category": "land",
            "description": "新厂房用地手续未办结",
            "department": dept,
            "raised_on": "2021-11-10",
            "status": "open",
        },
    )
    assert (problem["status"], problem["assigned_on"], problem["due_on"]) == (
        "assigned",
        "2021-11-10",
        "2021-11-17",
    )
    dept2 = api.post("departments", {"code": "D02", "name": "自然资源局", "kind": "sponsor"})["id"]
    path = f"problems/{problem['id']}"
    body = api.post(f"{path}/assign", {"department": dept2, "on": "2021-11-10"}, status=200)
    assert (body["status"], body["department"]) == ("assigned", dept2)
    body = api.post(f"{path}/feedback", {"note": "已协调自然资源局", "on": "2021-11-11"}, 200)
    assert (body["status"], body["first_feedback_on"]) == ("in_progress", "2021-11-11")
    body = api.post(f"{path}/solve", {"resolution": "用地手续已办结", "on": "2021-11-15"}, 200)
    assert (body["status"], body["solved_on"]) == ("solved", "2021-11-15")
    body = api.post(f"{path}/reject", {"note": "不动产证尚未发放"}, 200)
    assert (body["status"], body["resolution"], body["solved_on"]) == ("in_progress", "", None)
    api.post(f"{path}/solve", {"resolution": "不动产证已发放", "on": "2021-11-16"}, 200)
    body = api.post(f"{path}/confirm", {"satisfaction": 5, "on": "2021-11-16"}, 200)
    assert (body["status"], body["resolved_on"], body["satisfaction"]) == (
        "resolved",
        "2021-11-16",
        5,
    )
    again = api.post(f"{path}/confirm", {"satisfaction": 5}, status=400)
    due = api.patch(path, {"due_on": "2021-12-31"}, status=400)
    assert again == {"status": [CONFIRMED_ALREADY]}
    assert due == {"due_on": [DUE_ON]}
    assert Problem.objects.get().due_on.isoformat() == "2021-11-17"
