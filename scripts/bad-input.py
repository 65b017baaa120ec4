#!/usr/bin/env python3
"""The project's bad-input battery, run against a running instance.

    python3 scripts/bad-input.py --base http://127.0.0.1:5000 [--chatbot <public id>] [--api-key <key>]

Sends malformed, oversized, forged and foreign input to every public surface (chat API, OpenAI-compatible API, REST,
sign-in, pages) and checks each answer: the expected 4xx with a readable body, never a 5xx, never a hang. Without --chatbot
the cases that need a session are skipped; without --api-key the keyed cases are. Prints one line per case and
"Bad-input battery: N tried, N held, M failed"; exits 1 when a case failed. Uses only the standard library.
"""
import argparse
import json
import sys
import urllib.error
import urllib.request
import uuid

WIDGET_060 = {"x-ocs-widget-version": "0.6.0"}


class Battery:
    def __init__(self, base, timeout):
        self.base = base.rstrip("/")
        self.timeout = timeout
        self.tried = 0
        self.failed = []

    def send(self, method, path, body=None, headers=None, content_type="application/json"):
        data = body if isinstance(body, (bytes, type(None))) else body.encode("utf-8", "surrogatepass")
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None and content_type:
            request.add_header("Content-Type", content_type)
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")
        except Exception as error:  # a hang or a dropped connection is a failure, not a crash of the battery
            return None, f"{type(error).__name__}: {error}"

    def case(self, name, expected, method, path, body=None, headers=None, content_type="application/json"):
        self.tried += 1
        status, text = self.send(method, path, body, headers, content_type)
        held = status in expected
        if not held:
            self.failed.append(name)
        shown = (text or "").replace("\n", " ")[:110]
        print(f"{'held  ' if held else 'FAILED'} {status if status is not None else '---'} {name}: {shown}")
        return status, text


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:5000")
    parser.add_argument("--chatbot", help="public id of a published, public chatbot")
    parser.add_argument("--api-key", help="a team API key with write access")
    parser.add_argument("--timeout", type=float, default=30)
    args = parser.parse_args()
    b = Battery(args.base, args.timeout)
    bad_json = {
        "malformed JSON": "{",
        "invalid UTF-8": b'{"chatbot_id": "\xff\xfe"}',
        "lone surrogate": '{"chatbot_id": "\\ud800"}',
        "duplicate property": '{"chatbot_id": "a", "chatbot_id": "b"}',
        "NUL character": '{"chatbot_id": "\\u0000"}',
        "nesting 200 deep": "[" * 200 + "]" * 200,
        "a JSON array, not an object": "[1, 2]",
    }

    # ---- chat API: start/ ------------------------------------------------------------------------------------------
    for name, body in bad_json.items():
        b.case(f"start/ with {name}", {400}, "POST", "/api/chat/start/", body, WIDGET_060)
    b.case("start/ with 300 KB body", {400, 413}, "POST", "/api/chat/start/", '{"x": "' + "a" * 300_000 + '"}', WIDGET_060)
    b.case("start/ as text/plain", {400, 415}, "POST", "/api/chat/start/", '{"chatbot_id": "x"}', WIDGET_060, "text/plain")
    b.case("start/ with a non-UUID chatbot id", {400}, "POST", "/api/chat/start/", '{"chatbot_id": "not-a-uuid"}', WIDGET_060)
    b.case("start/ with an unknown chatbot", {404}, "POST", "/api/chat/start/", json.dumps({"chatbot_id": str(uuid.uuid4())}), WIDGET_060)

    # ---- chat API: session endpoints --------------------------------------------------------------------------------
    unknown = str(uuid.uuid4())
    b.case("message/ to an unknown session", {404}, "POST", f"/api/chat/{unknown}/message/", '{"message": "hi"}', WIDGET_060)
    b.case("message/ to a non-UUID session", {404}, "POST", "/api/chat/not-a-session/message/", '{"message": "hi"}', WIDGET_060)
    b.case("poll/ of an unknown session", {404}, "GET", f"/api/chat/{unknown}/poll/", None, WIDGET_060)
    if args.chatbot:
        status, text = b.case("start/ as an API client (gets a session token)", {201}, "POST", "/api/chat/start/",
                              json.dumps({"chatbot_id": args.chatbot, "participant_remote_id": "battery"}))
        started = json.loads(text) if status == 201 else {}
        session, token = started.get("session_id"), started.get("session_token")
        if session and token:
            auth = {"X-Session-Token": token}
            b.case("message/ without the session token", {403}, "POST", f"/api/chat/{session}/message/", '{"message": "hi"}')
            b.case("message/ with a forged session token", {403}, "POST", f"/api/chat/{session}/message/", '{"message": "hi"}',
                   {"X-Session-Token": token[:-6] + "AAAAAA"})
            for name, body in bad_json.items():
                if name != "a JSON array, not an object":
                    b.case(f"message/ with {name}", {400}, "POST", f"/api/chat/{session}/message/", body, auth)
            b.case("message/ of 20,001 characters", {400}, "POST", f"/api/chat/{session}/message/",
                   json.dumps({"message": "a" * 20_001}), auth)
            b.case("message/ with attachment ids of another session", {400, 404}, "POST", f"/api/chat/{session}/message/",
                   json.dumps({"message": "hi", "attachment_ids": [2_147_483_647]}), auth)
            b.case("task poll with a non-UUID task id", {404}, "GET", f"/api/chat/{session}/not-a-task/poll/", None, auth)
            b.case("poll/ with a malformed since", {400}, "GET", f"/api/chat/{session}/poll/?since=yesterday", None, auth)
            b.case("rating/ with a malformed body", {400}, "POST", f"/api/chat/{session}/rating/", "{", auth)
            for name, body in bad_json.items():
                if name != "a JSON array, not an object":
                    b.case(f"rating/ with {name}", {400}, "POST", f"/api/chat/{session}/rating/", body.replace("chatbot_id", "rating") if isinstance(body, str) else body, auth)
            nul_upload = (b'--b\r\nContent-Disposition: form-data; name="files"; filename*=UTF-8\'\'notes%00.txt\r\n'
                          b'Content-Type: text/plain\r\n\r\nhello\r\n--b--\r\n')
            b.case("upload/ with a NUL in the file name", {400}, "POST", f"/api/chat/{session}/upload/", nul_upload, auth,
                   "multipart/form-data; boundary=b")
    else:
        print("(skipped the session cases: pass --chatbot <public id> of a public chatbot)")

    # ---- OpenAI-compatible API ------------------------------------------------------------------------------------
    completions = f"/api/openai/{args.chatbot or unknown}/chat/completions"
    b.case("OpenAI call without a key", {401}, "POST", completions, '{"messages": []}')
    b.case("OpenAI call with a wrong key", {401}, "POST", completions, '{"messages": []}', {"Authorization": "Bearer ocs_wrong"})
    if args.api_key:
        keyed = {"Authorization": f"Bearer {args.api_key}"}
        for name, body in bad_json.items():
            b.case(f"OpenAI call with {name}", {400}, "POST", completions, body, keyed)
        b.case("OpenAI call for an unknown chatbot", {404}, "POST", f"/api/openai/{unknown}/chat/completions",
               json.dumps({"messages": [{"role": "user", "content": "hi"}]}), keyed)
        # ---- REST ---------------------------------------------------------------------------------------------------
        b.case("REST session with a non-UUID id", {400, 404}, "GET", "/api/sessions/not-a-uuid/", None, {"X-api-key": args.api_key})
        b.case("REST session of another team or unknown", {404}, "GET", f"/api/sessions/{unknown}/", None, {"X-api-key": args.api_key})
        b.case("REST list with a malformed cursor", {400}, "GET", "/api/sessions/?cursor=%%%", None, {"X-api-key": args.api_key})
        b.case("REST participant upsert with malformed JSON", {400}, "POST", "/api/participants/", "{", {"X-api-key": args.api_key})
        rest = {"X-api-key": args.api_key}
        for path in ("/api/participants/?identifier=a%00b", "/api/v1/participants?identifier=a%00b", "/api/sessions/?participant=a%00b",
                     "/api/sessions/?tags=vip,a%00b", "/api/v1/sessions/?participant=a%00b&tags=x"):
            b.case(f"REST filter with a NUL: {path}", {400}, "GET", path, None, rest)
        # the broken part inside "state", where a lazy parser would meet it last
        in_state = {name: body if not isinstance(body, str) or name == "malformed JSON" else
                    '{"state": ' + body.replace("chatbot_id", "x") + "}" for name, body in bad_json.items()}
        in_state["invalid UTF-8"] = b'{"state": {"x": "\xff\xfe"}}'
        if args.chatbot:
            for name, body in in_state.items():
                if isinstance(body, str) and body.startswith('{"state"'):
                    body = '{"experiment": "' + args.chatbot + '", ' + body[1:]
                elif isinstance(body, bytes):
                    body = b'{"experiment": "' + args.chatbot.encode() + b'", ' + body[1:]
                b.case(f"REST session create with {name}", {400}, "POST", "/api/sessions/", body, rest)
            status, text = b.case("REST session create", {201}, "POST", "/api/sessions/",
                                  json.dumps({"experiment": args.chatbot, "state": {"old": True}}), rest)
            rest_session = json.loads(text).get("id") if status == 201 else None
            if rest_session:
                for name, body in in_state.items():
                    b.case(f"REST update_state with {name}", {400}, "PATCH", f"/api/sessions/{rest_session}/update_state/", body, rest)
                b.case("widget poll/ of a REST-created session", {404}, "GET", f"/api/chat/{rest_session}/poll/", None, WIDGET_060)
    else:
        print("(skipped the keyed cases: pass --api-key <key with write access>)")
    b.case("REST without a key", {401}, "GET", "/api/experiments/")

    # ---- accounts and pages: NUL outside JSON ---------------------------------------------------------------------
    b.case("sign-in form with a NUL in the email", {400}, "POST", "/account/login",
           "_handler=login&Input.Email=a%00b%40example.org&Input.Password=whatever-password", None, "application/x-www-form-urlencoded")
    b.case("reset-password link with a NUL in the email", {400}, "GET", "/account/reset-password?email=a%00b%40example.org&code=x")
    b.case("invitation link with a NUL in the token", {400}, "GET", "/invite/a%00b")
    b.case("team page with a NUL in the slug", {400}, "GET", "/t/a%00b/chatbots")

    # ---- accounts ---------------------------------------------------------------------------------------------------
    b.case("sign-out posted without its antiforgery token", {400}, "POST", "/account/logout", "", None,
           "application/x-www-form-urlencoded")

    held = b.tried - len(b.failed)
    print(f"\nBad-input battery: {b.tried} tried, {held} held, {len(b.failed)} failed")
    for name in b.failed:
        print(f"  failed: {name}")
    return 1 if b.failed else 0


if __name__ == "__main__":
    sys.exit(main())
