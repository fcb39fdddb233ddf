"use client";

import { LockOutlined, SafetyOutlined, UserOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Form, Input, Spin, Typography } from "antd";
import { useSearchParams } from "next/navigation";
import { useCallback, useEffect, useState } from "react";
import { safeNextPath } from "@/server/auth/pure";

type Phase = "loading" | "setup" | "sign-in" | "unavailable";

interface ApiError {
  status: number;
  code: string;
  message: string;
  retryAfterS?: number;
}

interface SignInValues {
  username: string;
  password: string;
  totp?: string;
}

interface SetupValues {
  username: string;
  password: string;
  confirm: string;
}

async function postJson(url: string, body: unknown): Promise<{ ok: true } | { ok: false; error: ApiError }> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    return { ok: false, error: { status: 0, code: "NETWORK", message: "Cannot reach the Tradekeel server. Is it running?" } };
  }
  if (response.ok) return { ok: true };
  const payload = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
  const retryAfter = Number(response.headers.get("Retry-After"));
  return {
    ok: false,
    error: {
      status: response.status,
      code: payload?.error?.code ?? "HTTP_" + response.status,
      message: payload?.error?.message ?? `The server answered ${response.status}.`,
      retryAfterS: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    },
  };
}

function describe(error: ApiError): string {
  switch (error.code) {
    case "INVALID_CREDENTIALS":
      return "Wrong username or password.";
    case "TOTP_INVALID":
      return "That two-factor code is wrong or has expired. Enter the current code.";
    case "RATE_LIMITED": {
      const minutes = error.retryAfterS ? Math.ceil(error.retryAfterS / 60) : null;
      return minutes
        ? `Too many failed attempts. Sign-in is locked for ${minutes} more minute${minutes === 1 ? "" : "s"}.`
        : "Too many failed attempts. Try again later.";
    }
    case "CSRF":
      return "The request was refused as cross-site. Open the dashboard directly at its own address.";
    default: {
      const text = error.message.charAt(0).toUpperCase() + error.message.slice(1);
      return text.endsWith(".") ? text : `${text}.`;
    }
  }
}

export function LoginCard() {
  const searchParams = useSearchParams();
  const next = safeNextPath(searchParams.get("next"));
  const [phase, setPhase] = useState<Phase>("loading");
  const [error, setError] = useState<string | null>(null);
  const [needTotp, setNeedTotp] = useState(false);
  const [busy, setBusy] = useState(false);
  const [signInForm] = Form.useForm<SignInValues>();
  const [setupForm] = Form.useForm<SetupValues>();

  const goOn = useCallback(() => {
    // A full navigation, so server components render with the new session cookie.
    window.location.assign(next);
  }, [next]);

  const loadState = useCallback(async () => {
    setPhase("loading");
    setError(null);
    try {
      const response = await fetch("/api/auth/state", { cache: "no-store" });
      if (!response.ok) throw new Error(String(response.status));
      const state = (await response.json()) as { setupRequired: boolean };
      if (state.setupRequired) {
        setPhase("setup");
        return;
      }
      // Already signed in? Only ask when a session could exist (the readable CSRF cookie comes with
      // it), so a fresh visit does not log a 401 in the console.
      if (document.cookie.split("; ").some((c) => c.startsWith("tk_csrf="))) {
        const me = await fetch("/api/auth/me", { cache: "no-store", credentials: "same-origin" });
        if (me.ok) {
          goOn();
          return;
        }
      }
      setPhase("sign-in");
    } catch {
      setPhase("unavailable");
    }
  }, [goOn]);

  useEffect(() => {
    void loadState();
  }, [loadState]);

  const signIn = async (values: SignInValues) => {
    setBusy(true);
    setError(null);
    const result = await postJson("/api/auth/login", {
      username: values.username,
      password: values.password,
      ...(needTotp && values.totp ? { totp: values.totp } : {}),
    });
    setBusy(false);
    if (result.ok) return goOn();
    if (result.error.code === "TOTP_REQUIRED") {
      setNeedTotp(true);
      return;
    }
    if (result.error.code === "TOTP_INVALID") signInForm.setFieldValue("totp", "");
    setError(describe(result.error));
  };

  const createOwner = async (values: SetupValues) => {
    setBusy(true);
    setError(null);
    const result = await postJson("/api/auth/setup", { username: values.username, password: values.password });
    setBusy(false);
    if (result.ok) return goOn();
    if (result.error.code === "SETUP_DONE") {
      setPhase("sign-in");
      setError("An owner account already exists. Sign in with it.");
      return;
    }
    setError(describe(result.error));
  };

  return (
    <main style={{ minHeight: "100vh", display: "flex", alignItems: "center", justifyContent: "center", padding: 16 }}>
      <Card style={{ width: 380, maxWidth: "100%" }}>
        <Typography.Title level={3} style={{ marginTop: 0, marginBottom: 4, textAlign: "center" }}>
          Tradekeel
        </Typography.Title>
        <Typography.Paragraph type="secondary" style={{ textAlign: "center", marginBottom: 20 }}>
          {phase === "setup" ? "Create the owner password" : "Sign in to the dashboard"}
        </Typography.Paragraph>

        {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} />}

        {phase === "loading" && (
          <div style={{ textAlign: "center", padding: 24 }}>
            <Spin />
          </div>
        )}

        {phase === "unavailable" && (
          <>
            <Alert type="warning" showIcon title="The server is not answering yet. It may still be starting." style={{ marginBottom: 16 }} />
            <Button block onClick={() => void loadState()}>
              Try again
            </Button>
          </>
        )}

        {phase === "sign-in" && (
          <Form form={signInForm} layout="vertical" requiredMark={false} onFinish={signIn} disabled={busy}>
            <Form.Item name="username" label="Username" initialValue="admin" rules={[{ required: true, message: "Enter your username" }]}>
              <Input prefix={<UserOutlined />} autoComplete="username" autoFocus />
            </Form.Item>
            <Form.Item name="password" label="Password" rules={[{ required: true, message: "Enter your password" }]}>
              <Input.Password prefix={<LockOutlined />} autoComplete="current-password" />
            </Form.Item>
            {needTotp && (
              <Form.Item
                name="totp"
                label="Two-factor code"
                extra="The 6-digit code from your authenticator app."
                rules={[{ required: true, pattern: /^\d{6}$/, message: "Enter the 6-digit code" }]}
              >
                <Input prefix={<SafetyOutlined />} inputMode="numeric" autoComplete="one-time-code" maxLength={6} autoFocus />
              </Form.Item>
            )}
            <Button type="primary" htmlType="submit" block loading={busy}>
              Sign in
            </Button>
          </Form>
        )}

        {phase === "setup" && (
          <Form form={setupForm} layout="vertical" requiredMark={false} onFinish={createOwner} disabled={busy}>
            <Alert
              type="info"
              showIcon
              style={{ marginBottom: 16 }}
              title="No account exists yet. The password you choose here protects trading and your exchange keys."
            />
            <Form.Item
              name="username"
              label="Username"
              initialValue="admin"
              rules={[
                { required: true, message: "Choose a username" },
                { pattern: /^[A-Za-z0-9._-]{1,64}$/, message: "Letters, digits, dots, dashes or underscores" },
              ]}
            >
              <Input prefix={<UserOutlined />} autoComplete="username" />
            </Form.Item>
            <Form.Item
              name="password"
              label="Password"
              rules={[
                { required: true, message: "Choose a password" },
                { min: 8, message: "At least 8 characters" },
              ]}
              hasFeedback
            >
              <Input.Password prefix={<LockOutlined />} autoComplete="new-password" autoFocus />
            </Form.Item>
            <Form.Item
              name="confirm"
              label="Confirm password"
              dependencies={["password"]}
              hasFeedback
              rules={[
                { required: true, message: "Type the password again" },
                ({ getFieldValue }) => ({
                  validator: (_, value) =>
                    !value || getFieldValue("password") === value ? Promise.resolve() : Promise.reject(new Error("The passwords do not match")),
                }),
              ]}
            >
              <Input.Password prefix={<LockOutlined />} autoComplete="new-password" />
            </Form.Item>
            <Button type="primary" htmlType="submit" block loading={busy}>
              Create owner account
            </Button>
          </Form>
        )}
      </Card>
    </main>
  );
}
