import { Tag } from "antd";

export function SideTag({ side }: { side: string | null | undefined }) {
  if (!side) return <span>—</span>;
  const up = side === "long" || side === "buy";
  return (
    <Tag color={up ? "green" : "red"} variant="outlined" style={{ marginInlineEnd: 0 }}>
      {side.toUpperCase()}
    </Tag>
  );
}
