"use client";

import { Typography } from "antd";
import QRCode from "qrcode";
import { useEffect, useState } from "react";

/** The otpauth URI as a QR code for the authenticator app's camera (black on white, as scanners expect). */
export function TotpQr({ uri }: { uri: string }) {
  const [src, setSrc] = useState<string | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    QRCode.toString(uri, { type: "svg", margin: 2, errorCorrectionLevel: "M", color: { dark: "#000000", light: "#ffffff" } })
      .then((svg) => {
        if (live) setSrc(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`);
      })
      .catch((err: unknown) => {
        if (live) setFailed(err instanceof Error ? err.message : String(err));
      });
    return () => {
      live = false;
    };
  }, [uri]);
  if (failed) return <Typography.Text type="warning">QR code unavailable ({failed}): enter the secret by hand.</Typography.Text>;
  if (!src) return <div style={{ width: 192, height: 192 }} />;
  // eslint-disable-next-line @next/next/no-img-element
  return <img src={src} width={192} height={192} alt="QR code of the two-factor secret: scan it with your authenticator app" data-testid="totp-qr" style={{ background: "#fff", borderRadius: 4 }} />;
}
