"use client";

import { Alert, Empty, Skeleton, Typography } from "antd";
import type { ReactNode } from "react";
import { ApiError, errorMessage } from "../lib/api";

interface QueryLike {
  isPending: boolean;
  /** "idle" while pending means the query waits for something else (e.g. the current mode from /api/status). */
  fetchStatus?: "fetching" | "paused" | "idle";
  isError: boolean;
  error: unknown;
  data?: unknown;
}

/** What to show instead of data: a skeleton while loading, the server's error, or nothing to show. */
export function QueryError({ error, what }: { error: unknown; what: string }) {
  const notYet = error instanceof ApiError && error.status === 404;
  return (
    <Alert
      type={notYet ? "info" : "error"}
      showIcon
      title={notYet ? `${what}: not available on this server yet` : `${what}: could not load`}
      description={notYet ? undefined : errorMessage(error)}
    />
  );
}

export function QueryState({
  query,
  what,
  children,
  empty,
  isEmpty,
  rows = 3,
}: {
  query: QueryLike;
  what: string;
  children: ReactNode;
  empty?: ReactNode;
  isEmpty?: boolean;
  rows?: number;
}) {
  if (query.isPending && query.fetchStatus === "idle") {
    return <Typography.Text type="secondary">Waiting for the server status…</Typography.Text>;
  }
  if (query.isPending) return <Skeleton active paragraph={{ rows }} title={false} />;
  if (query.isError && query.data === undefined) return <QueryError error={query.error} what={what} />;
  if (isEmpty) return <>{empty ?? <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={`No ${what.toLowerCase()} yet`} />}</>;
  return <>{children}</>;
}
