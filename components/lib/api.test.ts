import { describe, expect, it } from "vitest";
import { ApiError, errorFromResponse, isClientError, loginUrl, readCookie, withQuery } from "./api";

describe("CSRF cookie", () => {
  it("reads tk_csrf among other cookies", () => {
    expect(readCookie("a=1; tk_csrf=abc%3D%3D; tk_session=x", "tk_csrf")).toBe("abc==");
    expect(readCookie("tk_csrf_old=1; other=2", "tk_csrf")).toBeNull();
    expect(readCookie("", "tk_csrf")).toBeNull();
  });
});

describe("query strings", () => {
  it("skips absent and empty filters", () => {
    expect(withQuery("/api/trades", { symbol: "BTC/USDT", side: undefined, result: "", page: 2, from: Number.NaN })).toBe(
      "/api/trades?symbol=BTC%2FUSDT&page=2",
    );
    expect(withQuery("/api/status", {})).toBe("/api/status");
  });
});

describe("API errors", () => {
  it("keeps the server's code and message", () => {
    const err = errorFromResponse(400, "Bad Request", { error: { code: "LIMIT_LOOSENING", message: "dailyLossPct can only be lowered", details: { key: "dailyLossPct" } } });
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe("LIMIT_LOOSENING");
    expect(err.message).toBe("dailyLossPct can only be lowered");
    expect(err.status).toBe(400);
    expect(err.details).toEqual({ key: "dailyLossPct" });
    expect(isClientError(err)).toBe(true);
  });
  it("explains a body that is not the error shape", () => {
    const err = errorFromResponse(404, "Not Found", "<html>");
    expect(err.code).toBe("HTTP_404");
    expect(err.message).toMatch(/404/);
    expect(isClientError(errorFromResponse(502, "Bad Gateway", undefined))).toBe(false);
  });
  it("sends the trader back to the page they were on after sign-in", () => {
    expect(loginUrl("/trades?page=2")).toBe("/login?next=%2Ftrades%3Fpage%3D2");
  });
});
