import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ClawError } from "../../runtime/core/errors.ts";
import { abortError, extractBackendError, httpError, parseRetryAfter, statusToCode } from "./errors.ts";

describe("backend error mapping", () => {
  test("statuses map to codes; a backend may override its odd ones", () => {
    const table: Array<[number, string]> = [
      [401, "BACKEND_AUTH"], [403, "BACKEND_AUTH"], [429, "BACKEND_RATE_LIMITED"], [503, "BACKEND_OVERLOADED"],
      [400, "BACKEND_BAD_REQUEST"], [404, "BACKEND_BAD_REQUEST"], [422, "BACKEND_BAD_REQUEST"], [500, "BACKEND_UPSTREAM"],
      [502, "BACKEND_UPSTREAM"], [504, "BACKEND_TIMEOUT"],
    ];
    for (const [status, code] of table) assert.equal(statusToCode(status), code, String(status));
    assert.equal(statusToCode(429, { 429: "BACKEND_OVERLOADED" }), "BACKEND_OVERLOADED");
  });

  test("retry-after in seconds or as an HTTP date", () => {
    assert.equal(parseRetryAfter("7"), 7);
    assert.equal(parseRetryAfter("0.5"), 0.5);
    assert.equal(parseRetryAfter(null), undefined);
    assert.equal(parseRetryAfter("soon"), undefined);
    const now = Date.parse("2026-01-01T00:00:00Z");
    assert.equal(parseRetryAfter("Thu, 01 Jan 2026 00:00:30 GMT", now), 30);
  });

  test("the backend's message comes out of every known error shape", () => {
    assert.deepEqual(extractBackendError('{"error":{"message":"Invalid API Key","type":"invalid_request_error","code":"invalid_api_key"}}'), {
      message: "Invalid API Key", type: "invalid_request_error", code: "invalid_api_key",
    });
    assert.equal(extractBackendError('{"error":"model \\"x\\" not found"}').message, 'model "x" not found');
    assert.deepEqual(extractBackendError('{"error":"Model is overloaded","error_type":"overloaded"}'), { message: "Model is overloaded", type: "overloaded", code: undefined });
    assert.equal(extractBackendError('{"object":"error","message":"bad","type":"BadRequestError","code":400}').message, "bad");
    assert.equal(extractBackendError('{"error":"OutOfMemoryError","detail":"CUDA out of memory"}').message, "OutOfMemoryError: CUDA out of memory");
    assert.equal(extractBackendError('{"detail":[{"loc":["body","steps"],"msg":"value is not a valid integer"}]}').message, "value is not a valid integer");
    assert.equal(extractBackendError("<html>Bad Gateway</html>").message, "<html>Bad Gateway</html>");
    assert.equal(extractBackendError("").message, "(empty body)");
  });

  test("a backend's error text is bounded before it is logged, stored or echoed, in every shape", () => {
    const huge = "x".repeat(1_000_000);
    for (const body of [huge, JSON.stringify({ error: { message: huge, type: huge, code: huge } }), JSON.stringify({ error: huge, detail: huge }),
      JSON.stringify({ message: huge }), JSON.stringify({ detail: huge }), JSON.stringify({ other: huge })]) {
      const info = extractBackendError(body);
      assert.ok(info.message.length <= 501, `message of ${info.message.length} chars`);
      assert.ok((info.type ?? "").length <= 101 && (info.code ?? "").length <= 101);
    }
    assert.ok(httpError("groq", 500, new Headers(), JSON.stringify({ error: { message: huge } })).message.length < 600);
  });

  test("httpError carries status, type, code and retry-after in details", () => {
    const err = httpError("groq", 429, new Headers({ "retry-after": "3" }), '{"error":{"message":"slow down","type":"tokens","code":"rate_limit_exceeded"}}');
    assert.equal(err.code, "BACKEND_RATE_LIMITED");
    assert.equal(err.message, "groq answered HTTP 429: slow down");
    assert.deepEqual(err.details, { backend: "groq", backendStatus: 429, backendType: "tokens", backendCode: "rate_limit_exceeded", retryAfterSeconds: 3 });
  });

  test("abortError keeps a ClawError reason, otherwise JOB_ABORTED", () => {
    const ac = new AbortController();
    ac.abort(new ClawError("JOB_BUDGET_CUT"));
    assert.equal(abortError(ac.signal).code, "JOB_BUDGET_CUT");
    const plain = new AbortController();
    plain.abort("client went away");
    assert.equal(abortError(plain.signal).code, "JOB_ABORTED");
    assert.match(abortError(plain.signal).message, /client went away/);
  });
});
