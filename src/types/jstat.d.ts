// The two distribution functions tsprof uses from jStat (which ships no types).
declare module 'jstat' {
  const jStat: {
    studentt: { cdf(x: number, degreesOfFreedom: number): number };
    normal: { cdf(x: number, mean: number, standardDeviation: number): number };
  };
  export default jStat;
}
