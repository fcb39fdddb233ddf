import { Card } from "antd";
import type { CSSProperties, ReactNode } from "react";

/** A titled dashboard panel with dense padding. */
export function Panel({
  title,
  extra,
  children,
  testId,
  bodyStyle,
  style,
}: {
  title?: ReactNode;
  extra?: ReactNode;
  children: ReactNode;
  testId?: string;
  bodyStyle?: CSSProperties;
  style?: CSSProperties;
}) {
  return (
    <Card
      size="small"
      title={title}
      extra={extra}
      data-testid={testId}
      style={style}
      styles={{ body: { padding: 12, ...bodyStyle } }}
    >
      {children}
    </Card>
  );
}
