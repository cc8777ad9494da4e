import pytest

from tests.roles import user_with_role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "label"), [("zh-hans", "选择数据的返回格式"), ("en", "Choose the format")]
)
def test_the_browsable_api_page_names_its_language_and_its_format_menu(client, language, label):
    client.force_login(user_with_role("economic_bureau"))
    client.cookies["django_language"] = language
    page = client.get("/api/v1/", HTTP_ACCEPT="text/html").content.decode()
    assert f'<html lang="{language}">' in page
    assert f'data-toggle="dropdown" aria-label="{label}' in page
    # Its stylesheet with readable colours comes after DRF's own.
    assert page.index("rest_framework/css/default.css") < page.index("css/api.css")


def test_the_api_still_answers_json_to_a_client(client):
    client.force_login(user_with_role("economic_bureau"))
    response = client.get("/api/v1/", HTTP_ACCEPT="application/json")
    assert response["Content-Type"] == "application/json"
    assert "<html" not in response.content.decode()
