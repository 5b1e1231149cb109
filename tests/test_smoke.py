"""The app starts, answers health, and the schema is the migrations'."""


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "db": "ok"}


def test_world(world, make_user, token_for, client):
    user = make_user("commander", "20179")
    status = client.get("/api/v1/me", headers=token_for(user))
    assert status.status_code == 200
    assert status.get_json()["unit"]["code"] == "20179"
