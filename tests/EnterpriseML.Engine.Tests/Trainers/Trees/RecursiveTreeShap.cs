using EnterpriseML.Engine.Trainers.Trees;

namespace EnterpriseML.Engine.Tests.Trainers.Trees;

/// <summary>
/// Path-dependent Tree SHAP in its recursive form (Lundberg, Erion and Lee 2018, Algorithm 2), as the engine ran it
/// before its walk became iterative: each level copies its parent's path, and the expected value recurses too. The
/// reference the engine's <see cref="TreeEnsemble.Explain"/> must match bit for bit on trees of ordinary depth.
/// </summary>
internal static class RecursiveTreeShap
{
    public static double Explain(TreeEnsemble ensemble, ReadOnlySpan<float> row, Span<double> contributions, int output)
    {
        contributions[..ensemble.FeatureCount].Clear();
        var depth = ensemble.MaximumDepth;
        var path = new Element[(depth + 3) * (depth + 3)];
        var bias = 0.0;
        var trees = 0;
        for (var t = 0; t < ensemble.TreeRoots.Length; t++)
        {
            if (ensemble.TreeOutput[t] != output)
            {
                continue;
            }

            trees++;
            var root = ensemble.TreeRoots[t];
            bias += Expected(ensemble, root);
            if (root >= 0)
            {
                Recurse(ensemble, root, row, contributions, path, 0, 0, 1, 1, -1);
            }
        }

        if (ensemble.Average && trees > 0)
        {
            for (var j = 0; j < ensemble.FeatureCount; j++)
            {
                contributions[j] /= trees;
            }

            bias /= trees;
        }

        return bias + ensemble.BaseScores[output];
    }

    /// <summary>The direction a row takes at a split, as the engine's walks decide it.</summary>
    public static bool GoesLeft(TreeEnsemble ensemble, int node, ReadOnlySpan<float> row)
    {
        var n = ensemble.Nodes[node];
        var v = row[n.Feature & TreeEnsemble.FeatureMask];
        if ((n.Feature & TreeEnsemble.CategoricalFlag) != 0)
        {
            if (!(v >= 0) || v >= ensemble.CategoryWords[node] * 32)
            {
                return false;
            }

            var code = (int)v;
            return code == v && ((ensemble.CategoryBits[ensemble.CategoryOffsets[node] + (code >> 5)] >> (code & 31)) & 1) != 0;
        }

        return (n.Feature & TreeEnsemble.DefaultLeftFlag) != 0 ? !(v > n.Threshold) : v <= n.Threshold;
    }

    private static double Cover(TreeEnsemble e, int child) => child >= 0 ? e.NodeCover[child] : e.LeafCover[~child];

    private static double Expected(TreeEnsemble e, int node)
    {
        if (node < 0)
        {
            return e.LeafValues[~node];
        }

        var (l, r) = Fractions(e, node);
        return (l * Expected(e, e.Nodes[node].Left)) + (r * Expected(e, e.Nodes[node].Right));
    }

    private static (double Left, double Right) Fractions(TreeEnsemble e, int node)
    {
        var left = Cover(e, e.Nodes[node].Left);
        var right = Cover(e, e.Nodes[node].Right);
        var sum = left + right;
        return !(sum > 0) ? (0.5, 0.5) : (left / sum, right / sum);
    }

    private static void Recurse(
        TreeEnsemble e, int node, ReadOnlySpan<float> row, Span<double> phi, Element[] buffer, int parentOffset, int depth,
        double zeroFraction, double oneFraction, int feature)
    {
        var offset = parentOffset + depth + 1;
        var path = buffer.AsSpan(offset);
        buffer.AsSpan(parentOffset, depth + 1).CopyTo(path);
        Extend(path, depth, zeroFraction, oneFraction, feature);
        if (node < 0)
        {
            var value = (double)e.LeafValues[~node];
            for (var i = 1; i <= depth; i++)
            {
                var w = UnwoundSum(path, depth, i);
                phi[path[i].Feature] += w * (path[i].One - path[i].Zero) * value;
            }

            return;
        }

        var n = e.Nodes[node];
        var splitFeature = n.Feature & TreeEnsemble.FeatureMask;
        var hot = GoesLeft(e, node, row) ? n.Left : n.Right;
        var cold = hot == n.Left ? n.Right : n.Left;
        var (leftFraction, rightFraction) = Fractions(e, node);
        var hotFraction = hot == n.Left ? leftFraction : rightFraction;
        var coldFraction = hot == n.Left ? rightFraction : leftFraction;
        double incomingZero = 1, incomingOne = 1;
        var k = 0;
        for (; k <= depth; k++)
        {
            if (path[k].Feature == splitFeature)
            {
                break;
            }
        }

        if (k != depth + 1)
        {
            incomingZero = path[k].Zero;
            incomingOne = path[k].One;
            Unwind(path, depth, k);
            depth--;
        }

        Recurse(e, hot, row, phi, buffer, offset, depth + 1, hotFraction * incomingZero, incomingOne, splitFeature);
        Recurse(e, cold, row, phi, buffer, offset, depth + 1, coldFraction * incomingZero, 0, splitFeature);
    }

    private static void Extend(Span<Element> path, int depth, double zero, double one, int feature)
    {
        path[depth] = new Element { Feature = feature, Zero = zero, One = one, Weight = depth == 0 ? 1 : 0 };
        for (var i = depth - 1; i >= 0; i--)
        {
            path[i + 1].Weight += one * path[i].Weight * (i + 1) / (depth + 1);
            path[i].Weight = zero * path[i].Weight * (depth - i) / (depth + 1);
        }
    }

    private static void Unwind(Span<Element> path, int depth, int index)
    {
        var one = path[index].One;
        var zero = path[index].Zero;
        var next = path[depth].Weight;
        for (var i = depth - 1; i >= 0; i--)
        {
            if (one != 0)
            {
                var previous = path[i].Weight;
                path[i].Weight = next * (depth + 1) / ((i + 1) * one);
                next = previous - (path[i].Weight * zero * (depth - i) / (depth + 1));
            }
            else
            {
                path[i].Weight = path[i].Weight * (depth + 1) / (zero * (depth - i));
            }
        }

        for (var i = index; i < depth; i++)
        {
            path[i].Feature = path[i + 1].Feature;
            path[i].Zero = path[i + 1].Zero;
            path[i].One = path[i + 1].One;
        }
    }

    private static double UnwoundSum(ReadOnlySpan<Element> path, int depth, int index)
    {
        var one = path[index].One;
        var zero = path[index].Zero;
        var next = path[depth].Weight;
        var total = 0.0;
        for (var i = depth - 1; i >= 0; i--)
        {
            if (one != 0)
            {
                var w = next * (depth + 1) / ((i + 1) * one);
                total += w;
                next = path[i].Weight - (w * zero * (depth - i) / (depth + 1));
            }
            else
            {
                total += path[i].Weight / zero * (depth + 1) / (depth - i);
            }
        }

        return total;
    }

    private struct Element
    {
        public int Feature;
        public double Zero;
        public double One;
        public double Weight;
    }
}
