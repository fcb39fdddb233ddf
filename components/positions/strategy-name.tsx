"use client";

import { Tooltip } from "antd";
import { useStrategies } from "../hooks/use-settings";

/** A strategy instance by its name (the id when the name is unknown). */
export function StrategyName({ id }: { id: string | null | undefined }) {
  const strategies = useStrategies();
  if (!id) return <span>manual</span>;
  const found = strategies.data?.find((s) => s.id === id);
  if (!found) return <span className="num">{id}</span>;
  return (
    <Tooltip title={`${found.kind} · ${id}`}>
      <span>{found.name}</span>
    </Tooltip>
  );
}
