namespace Grid.Bench.Report;

/// <summary>A figure that cannot be measured yet: written with a null value and a note saying what it waits for.</summary>
internal static class PendingCommand
{
    public static int Run(BenchArgs args)
    {
        FigureFile.Write(args.String("out"), new Figure
        {
            Name = args.String("name"),
            Unit = args.String("unit"),
            Value = null,
            Note = "pending: " + args.String("note"),
        });
        return 0;
    }
}
