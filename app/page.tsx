export default function OverviewPage() {
  return <main style={{ padding: 16 }}><h1>Tradekeel</h1></main>;
}
