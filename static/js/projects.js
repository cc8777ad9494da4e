/* A project's page: the investment curve against the plan's straight line (ECharts). */
(function () {
  "use strict";
  const dataElement = document.getElementById("curve-data");
  const chartElement = document.getElementById("chart-curve");
  if (!dataElement || !chartElement || typeof echarts === "undefined") { return; }
  const data = JSON.parse(dataElement.textContent);
  const series = [{
    name: data.labels.cumulative,
    type: "line",
    data: data.cumulative,
    connectNulls: false,
    symbolSize: 6,
    lineStyle: { width: 3, color: "#a31515" },
    itemStyle: { color: "#a31515" },
  }];
  if (data.planned.length) {
    series.push({
      name: data.labels.planned,
      type: "line",
      data: data.planned,
      symbol: "none",
      lineStyle: { type: "dashed", width: 2, color: "#1565c0" },
      itemStyle: { color: "#1565c0" },
    });
  }
  const chart = echarts.init(chartElement);
  chart.setOption({
    animation: false,
    grid: { left: 8, right: 16, top: 28, bottom: 32, containLabel: true },
    legend: { bottom: 0 },
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", name: data.labels.unit, nameTextStyle: { align: "left" } },
    series: series,
  });
  window.addEventListener("resize", () => chart.resize());
})();
