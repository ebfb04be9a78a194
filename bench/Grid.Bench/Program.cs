using Grid.Bench;
using Grid.Bench.Ceiling;
using Grid.Bench.Cloud;
using Grid.Bench.Image;
using Grid.Bench.Report;
using Grid.Bench.ToolRuns;

// Grid's benchmark harness, driven by eng/bench.sh. Each measuring command writes its figures to --out (a JSON
// array) and says what it is doing on stderr; `report` merges them into results.json and prints the table.
if (args.Length == 0)
{
    Console.Error.WriteLine("usage: Grid.Bench <command> [--option value ...]; commands: ceiling, decode, noop, worker, cpu10ms, result, cold-start, cloud, publish-incremental, push-unchanged, pending, report");
    return 2;
}

var options = new BenchArgs(args.Skip(1));
return args[0] switch
{
    "ceiling" => CeilingCommand.Run(options),
    "ceiling-child" => CeilingChild.Run(options),
    "decode" => await DecodeCommand.RunAsync(options),
    "noop" => await ToolRunCommands.NoopAsync(options),
    "cpu10ms" => await ToolRunCommands.Cpu10msAsync(options),
    "result" => await ToolRunCommands.ResultAsync(options),
    "cold-start" => await ColdStartCommand.RunAsync(options),
    "worker" => await WorkerLoopCommand.RunAsync(options),
    "cloud" => await CloudCommand.RunAsync(options),
    "cloud-head" => await CloudHeadCommand.RunAsync(options),
    "cloud-workers" => await WorkerSimulator.RunAsync(options),
    "publish-incremental" => await ImageCommands.PublishIncrementalAsync(options),
    "push-unchanged" => await ImageCommands.PushUnchangedAsync(options),
    "pending" => PendingCommand.Run(options),
    "report" => ReportCommand.Run(options),
    var unknown => throw new ArgumentException($"unknown command '{unknown}'"),
};
