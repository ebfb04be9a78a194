using System.Collections;
using Microsoft.Build.Framework;

namespace Grid.Build.Tasks.Tests;

/// <summary>An MSBuild engine that only records what a task logs.</summary>
public sealed class FakeBuildEngine : IBuildEngine
{
    public List<BuildErrorEventArgs> Errors { get; } = [];

    public List<BuildWarningEventArgs> Warnings { get; } = [];

    public List<BuildMessageEventArgs> Messages { get; } = [];

    /// <summary>Each error as a build log shows it: <c>GRID1003: GridWorkers is '0'; ...</c>.</summary>
    public IEnumerable<string> ErrorLines => Errors.Select(e => $"{e.Code}: {e.Message}");

    public IEnumerable<string> ErrorCodes => Errors.Select(e => e.Code);

    public bool ContinueOnError => false;

    public int LineNumberOfTaskNode => 0;

    public int ColumnNumberOfTaskNode => 0;

    public string ProjectFileOfTaskNode => "TileStats.csproj";

    public void LogErrorEvent(BuildErrorEventArgs e) => Errors.Add(e);

    public void LogWarningEvent(BuildWarningEventArgs e) => Warnings.Add(e);

    public void LogMessageEvent(BuildMessageEventArgs e) => Messages.Add(e);

    public void LogCustomEvent(CustomBuildEventArgs e)
    {
    }

    public bool BuildProjectFile(string projectFileName, string[] targetNames, IDictionary globalProperties, IDictionary targetOutputs) =>
        throw new NotSupportedException();
}
