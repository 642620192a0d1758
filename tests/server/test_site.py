import pytest

pytestmark = pytest.mark.django_db


def test_openapi_schema_and_docs(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    spec = schema.json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/inspections/" in spec["paths"] and "/api/v1/enterprises/" in spec["paths"]
    assert client.get("/api/docs/").status_code == 200


def test_admin_login_page(client):
    assert client.get("/admin/login/").status_code == 200


def test_unknown_path_is_json_404(client):
    response = client.get("/no/such/thing")
    assert response.status_code == 404


def test_settings_are_chinese_and_shanghai(settings):
    assert settings.LANGUAGE_CODE == "zh-hans" and settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
