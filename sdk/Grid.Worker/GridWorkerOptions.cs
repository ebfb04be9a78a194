using System.Text.Json;

namespace Grid;

/// <summary>Settings of a worker, all optional.</summary>
public sealed class GridWorkerOptions
{
    /// <summary>
    /// How inputs are read and outputs written. Defaults to <see cref="JsonSerializerDefaults.Web"/>. For
    /// trimmed or native AOT apps, pass options whose <see cref="JsonSerializerOptions.TypeInfoResolver"/> is a
    /// source-generated <c>JsonSerializerContext</c> (for example <c>MyContext.Default.Options</c>).
    /// </summary>
    public JsonSerializerOptions? SerializerOptions { get; set; }

    /// <summary>
    /// Tasks run at once in this process when neither <c>--grid-slots</c> nor <c>GRID_SLOTS</c> says;
    /// defaults to the processor count.
    /// </summary>
    public int? Slots { get; set; }
}
